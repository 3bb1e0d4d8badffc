package org.bivdiff.models.clip;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.LazySessions;
import org.bivdiff.graph.Model;
import org.bivdiff.graph.Value;
import org.bivdiff.io.ConfigJson;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Linear;
import org.bivdiff.tensor.Tensor;

/**
 * Port of transformers models/clip/modeling_clip.py::CLIPVisionModelWithProjection (4.31): CLIP's image
 * tower ({@link ClipVisionTransformer} under {@code vision_model}) and {@code visual_projection.weight}
 * (P, D), a bias-free Linear. The same keys make the image side of a {@code CLIPModel} ({@link ClipModel}).
 * One graph, one session created on first use.
 */
public final class ClipVisionModel implements AutoCloseable {

    private static final String LAST_HIDDEN_STATE = "last_hidden_state";
    private static final String POOLER_OUTPUT = "pooler_output";
    private static final String IMAGE_EMBEDS = "image_embeds";

    private final ClipVisionConfig config;
    private final int projectionDim;
    private final Model model;
    private final LazySessions<Void> network;

    private ClipVisionModel(ClipVisionConfig config, int projectionDim, Engine engine, Model model) {
        this.config = config;
        this.projectionDim = projectionDim;
        this.model = model;
        this.network = LazySessions.single(engine, () -> model);
    }

    /**
     * Loads a {@code CLIPVisionModelWithProjection} folder ({@code config.json} + {@code model.safetensors}).
     *
     * @throws IOException for a missing or unsupported config, missing files, or weights that do not match it
     */
    public static ClipVisionModel load(Path folder, Engine engine) throws IOException {
        ConfigJson c = ConfigJson.read(folder.resolve("config.json"));
        ClipArchitecture.CLIP_VISION_MODEL_WITH_PROJECTION.check(c);
        ClipVisionConfig cfg = ClipVisionConfig.read(c);
        int projectionDim = c.integer("projection_dim", 512);
        c.finish();
        return Weights.load(folder, engine.computeType(), w -> build(w, cfg, projectionDim, engine));
    }

    /** Builds from the root of a checkpoint holding {@code vision_model.*} and {@code visual_projection.weight}. */
    static ClipVisionModel build(Weights root, ClipVisionConfig cfg, int projectionDim, Engine engine) {
        ClipVisionTransformer visionModel = ClipVisionTransformer.load(root.child("vision_model"), cfg);
        Linear visualProjection = Linear.load(root.child("visual_projection"), cfg.hiddenSize(), projectionDim, false);
        Graph g = engine.graph("clip_vision_model");
        Value pixelValues = g.computeInput("pixel_values", "batch", cfg.numChannels(), cfg.imageSize(),
                cfg.imageSize());
        ClipVisionTransformer.Output out = visionModel.forward(g, pixelValues);
        g.output(LAST_HIDDEN_STATE, out.lastHiddenState());
        g.output(POOLER_OUTPUT, out.pooledOutput());
        g.output(IMAGE_EMBEDS, visualProjection.forward2d(g, out.pooledOutput()));
        return new ClipVisionModel(cfg, projectionDim, engine, g.build());
    }

    public ClipVisionConfig config() {
        return config;
    }

    /** P, the width of {@code image_embeds}. */
    public int projectionDim() {
        return projectionDim;
    }

    /** The graph, for inspection or a custom session. */
    public Model graph() {
        return model;
    }

    /**
     * The tower's outputs.
     *
     * @param lastHiddenState (B, 1 + (S / patch)^2, D) encoder output, class token first
     * @param poolerOutput    (B, D) {@code post_layernorm} of the class token
     * @param imageEmbeds     (B, P) {@code visual_projection(poolerOutput)}, not normalised
     */
    public record Output(Tensor lastHiddenState, Tensor poolerOutput, Tensor imageEmbeds) {
    }

    /** @param pixelValues (B, C, S, S) normalised pixels, S = image_size */
    public Output forward(Tensor pixelValues) {
        Map<String, Tensor> out = run(pixelValues, Set.of(LAST_HIDDEN_STATE, POOLER_OUTPUT, IMAGE_EMBEDS));
        return new Output(out.get(LAST_HIDDEN_STATE), out.get(POOLER_OUTPUT), out.get(IMAGE_EMBEDS));
    }

    /**
     * transformers' {@code get_image_features}: the projected class token, not normalised.
     *
     * @param pixelValues (B, C, S, S)
     * @return (B, P)
     */
    public Tensor imageEmbeds(Tensor pixelValues) {
        return run(pixelValues, Set.of(IMAGE_EMBEDS)).get(IMAGE_EMBEDS);
    }

    private Map<String, Tensor> run(Tensor pixelValues, Set<String> outputs) {
        int[] s = pixelValues.shape();
        int size = config.imageSize();
        if (s.length != 4 || s[0] == 0 || s[1] != config.numChannels() || s[2] != size || s[3] != size) {
            throw new IllegalArgumentException("pixel_values must be (B, " + config.numChannels() + ", " + size + ", "
                    + size + ") with B >= 1 (the model's image_size; resize with its image processor), got "
                    + Arrays.toString(s));
        }
        return network.get().run(Map.of("pixel_values", pixelValues), outputs);
    }

    @Override
    public void close() {
        network.close();
    }
}
