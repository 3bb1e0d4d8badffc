package org.bivdiff.models.clip;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.LazySessions;
import org.bivdiff.graph.Model;
import org.bivdiff.graph.Value;
import org.bivdiff.io.DType;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Linear;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;

/**
 * Port of transformers models/clip/modeling_clip.py::CLIPModel (4.31): both towers, their projections into
 * one P-dimensional space, and the trained temperature. Weight keys:
 * <pre>
 * text_model.*                 {@link ClipTextTransformer}
 * text_projection.weight       (P, D_text), bias-free
 * vision_model.*               {@link ClipVisionTransformer}
 * visual_projection.weight     (P, D_vision), bias-free
 * logit_scale                  () the log of the temperature the cosines are multiplied by (ln 100 for OpenAI's CLIP)
 * </pre>
 * Two graphs, each with its session made on first use: the image side ({@link ClipVisionModel}) and the text
 * side. {@code logit_scale} is read when the model loads; normalisation and the logits, a few multiplications,
 * run on the host in float32 as transformers computes them.
 */
public final class ClipModel implements AutoCloseable {

    private static final String TEXT_EMBEDS = "text_embeds";

    private final ClipConfig config;
    private final ClipVisionModel vision;
    private final float logitScale;
    private final LazySessions<Void> textNetwork;

    private ClipModel(ClipConfig config, ClipVisionModel vision, float logitScale, Engine engine, Model textGraph) {
        this.config = config;
        this.vision = vision;
        this.logitScale = logitScale;
        this.textNetwork = LazySessions.single(engine, () -> textGraph);
    }

    /**
     * Loads a transformers {@code CLIPModel} folder ({@code config.json} + {@code model.safetensors}), for example
     * {@code openai/clip-vit-large-patch14}.
     *
     * @throws IOException for a missing or unsupported config, missing files, or weights that do not match it
     *     (a missing key, a wrong shape, or a key the architecture does not use; each named with the folder)
     */
    public static ClipModel load(Path folder, Engine engine) throws IOException {
        ClipConfig cfg = ClipConfig.read(folder);
        return Weights.load(folder, engine.computeType(), w -> build(w, cfg, engine));
    }

    /** The weight keys and shapes of the CLIPModel described by {@code folder/config.json}. */
    public static Map<String, long[]> parameterShapes(Path folder) throws IOException {
        ClipConfig cfg = ClipConfig.read(folder);
        return Weights.shapes(w -> build(w, cfg, Engine.cpu()));
    }

    private static ClipModel build(Weights root, ClipConfig cfg, Engine engine) {
        ClipTextConfig text = cfg.text();
        ClipTextTransformer textModel = ClipTextTransformer.load(root.child("text_model"), text);
        Linear textProjection = Linear.load(root.child("text_projection"), text.hiddenSize(), cfg.projectionDim(), false);
        float logitScale = root.read("logit_scale").data()[0];   // NaN when only shapes are recorded
        ClipVisionModel vision = ClipVisionModel.build(root, cfg.vision(), cfg.projectionDim(), engine);

        Graph g = engine.graph("clip_text_features");
        Value inputIds = g.input("input_ids", DType.I64, "batch", "sequence");
        g.output(TEXT_EMBEDS, textProjection.forward2d(g, textModel.forward(g, inputIds).pooledOutput()));   // (B, P)
        return new ClipModel(cfg, vision, logitScale, engine, g.build());
    }

    public ClipConfig config() {
        return config;
    }

    /** The image tower with its projection. */
    public ClipVisionModel vision() {
        return vision;
    }

    /**
     * transformers' {@code get_image_features}: {@code visual_projection(pooler_output)}, not normalised.
     *
     * @param pixelValues (B, C, S, S) as {@code CLIPImageProcessor} makes them
     * @return (B, P)
     */
    public Tensor imageFeatures(Tensor pixelValues) {
        return vision.imageEmbeds(pixelValues);
    }

    /**
     * transformers' {@code get_text_features}: {@code text_projection} of the eos state, not normalised. Rows
     * may be right-padded: the eos state is the same with or without transformers' padding mask (see
     * {@link ClipTextTransformer}).
     *
     * @param inputIds (B, S) token ids, S <= max_position_embeddings
     * @return (B, P)
     */
    public Tensor textFeatures(LongTensor inputIds) {
        ClipTextTransformer.checkInputIds(inputIds, config.text());
        return textNetwork.get().run(Map.of("input_ids", inputIds), Set.of(TEXT_EMBEDS)).get(TEXT_EMBEDS);
    }

    /** The trained {@code logit_scale} weight (its exponential multiplies the cosines). */
    public float logitScale() {
        return logitScale;
    }

    /**
     * {@code CLIPModel.forward}'s outputs.
     *
     * @param logitsPerImage (B_image, B_text) {@code exp(logit_scale) * image_embeds @ text_embeds^T}
     * @param logitsPerText  (B_text, B_image) its transpose
     * @param textEmbeds     (B_text, P) the text features divided by their L2 norm
     * @param imageEmbeds    (B_image, P) the image features divided by their L2 norm
     * @param imageFeatures  (B_image, P) the image features before normalisation ({@code get_image_features})
     */
    public record Output(Tensor logitsPerImage, Tensor logitsPerText, Tensor textEmbeds, Tensor imageEmbeds,
                         Tensor imageFeatures) {
    }

    /**
     * {@code CLIPModel(input_ids, pixel_values)}: both towers, normalised embeddings and the scaled cosines.
     *
     * @param inputIds    (B_text, S)
     * @param pixelValues (B_image, C, S, S)
     */
    public Output forward(LongTensor inputIds, Tensor pixelValues) {
        return logits(textFeatures(inputIds), imageFeatures(pixelValues));
    }

    /**
     * The tail of {@code CLIPModel.forward} from the projected features: both normalised, then
     * {@code logit_scale.exp() * text_embeds @ image_embeds^T}, for images embedded in several calls.
     *
     * @param textFeatures  (B_text, P) from {@link #textFeatures}
     * @param imageFeatures (B_image, P) from {@link #imageFeatures}
     */
    public Output logits(Tensor textFeatures, Tensor imageFeatures) {
        if (textFeatures.rank() != 2 || imageFeatures.rank() != 2 || textFeatures.dim(1) != imageFeatures.dim(1)) {
            throw new IllegalArgumentException("features must be (B_text, P) and (B_image, P), got " + textFeatures
                    + " and " + imageFeatures);
        }
        Tensor textEmbeds = normalize(textFeatures);
        Tensor imageEmbeds = normalize(imageFeatures);
        // logit_scale.exp() is a float32 tensor op in torch; the products below are float32 as well.
        float scale = (float) Math.exp(logitScale);
        int nt = textEmbeds.dim(0);
        int ni = imageEmbeds.dim(0);
        int p = textEmbeds.dim(1);
        float[] perText = new float[nt * ni];
        float[] perImage = new float[ni * nt];
        for (int t = 0; t < nt; t++) {
            for (int i = 0; i < ni; i++) {
                double dot = 0;
                for (int k = 0; k < p; k++) {
                    dot += (double) textEmbeds.data()[t * p + k] * imageEmbeds.data()[i * p + k];
                }
                float logit = scale * (float) dot;
                perText[t * ni + i] = logit;
                perImage[i * nt + t] = logit;
            }
        }
        return new Output(Tensor.of(perImage, ni, nt), Tensor.of(perText, nt, ni), textEmbeds, imageEmbeds,
                imageFeatures);
    }

    /**
     * Each row divided by its L2 norm, as {@code x / x.norm(p=2, dim=-1, keepdim=True)}.
     *
     * @param x (B, P)
     */
    public static Tensor normalize(Tensor x) {
        int rows = x.dim(0);
        int p = x.dim(1);
        float[] out = new float[x.numel()];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int k = 0; k < p; k++) {
                double v = x.data()[r * p + k];
                sum += v * v;
            }
            float norm = (float) Math.sqrt(sum);
            for (int k = 0; k < p; k++) {
                out[r * p + k] = x.data()[r * p + k] / norm;
            }
        }
        return Tensor.of(out, rows, p);
    }

    @Override
    public void close() {
        textNetwork.close();
        vision.close();
    }
}
