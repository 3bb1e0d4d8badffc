package org.bivdiff.conformance;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.bivdiff.evaluation.ClipMetrics;
import org.bivdiff.media.ClipImageProcessor;
import org.bivdiff.media.Image8;
import org.bivdiff.media.Resize;
import org.bivdiff.models.clip.ClipModel;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.clip.ClipVisionConfig;
import org.bivdiff.models.clip.ClipVisionModel;
import org.bivdiff.tensor.Tensor;

/**
 * Golden cases of CLIP's image side and of the LOVEU-TGVE metrics: {@code clip_vision}, {@code clip_image_preprocess},
 * {@code clip_eval}. The model, processor, tokenizer, prompt and squash size come from the case; the case's
 * descriptive args (sizes, means) are checked against what the model folder says, so a case and a folder that
 * disagree fail loudly.
 */
final class ClipCases {

    private ClipCases() {
    }

    /** {@code clip_vision}: the vision tower and its projection on the case's pixel values. */
    static void vision(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        try (ClipModel clip = ClipModel.load(ctx.path("model"), ctx.engine())) {
            ClipVisionConfig v = clip.config().vision();
            expect(args, "image_size", v.imageSize());
            expect(args, "patch_size", v.patchSize());
            expect(args, "hidden_size", v.hiddenSize());
            expect(args, "num_hidden_layers", v.numHiddenLayers());
            expect(args, "num_attention_heads", v.numAttentionHeads());
            expect(args, "projection_dim", clip.config().projectionDim());
            ClipVisionModel.Output out = clip.vision().forward(ctx.tensor("pixel_values"));
            ctx.check("last_hidden_state", out.lastHiddenState());
            ctx.check("pooler_output", out.poolerOutput());
            ctx.check("image_embeds", out.imageEmbeds());
        }
    }

    /**
     * {@code clip_image_preprocess}: the 480 x 480 squash of run_eval.py, then CLIPImageProcessor on the squashed
     * and on the original frames.
     */
    static void imagePreprocess(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        ClipImageProcessor processor = ClipImageProcessor.read(ctx.path("model"));
        ClipImageProcessor.Config cfg = processor.config();
        expect(args, "shortest_edge", cfg.shortestEdge());
        JsonNode crop = args.path("crop_size");
        expect(crop, 0, cfg.cropHeight());
        expect(crop, 1, cfg.cropWidth());
        int[] squash = squashSize(args);
        requireBicubic(args.path("squash_resample").asText());
        List<Image8> frames = HwcImages.images(ctx.tensor("frames_rgb"));

        List<Image8> squashed = new ArrayList<>();
        for (Image8 frame : frames) {
            squashed.add(Resize.resize(frame, squash[0], squash[1], Resize.Filter.BICUBIC));
        }
        ctx.check("squashed_480_frame0", HwcImages.stack(squashed.subList(0, 1), true)
                .reshape(squashed.getFirst().height(), squashed.getFirst().width(), 3));
        ctx.check("resized_uint8", HwcImages.stack(squashed.stream()
                .map(f -> processor.centerCrop(processor.resize(f))).toList(), true));
        ctx.check("pixel_values", processor.preprocess(squashed));
        ctx.check("resized_no_squash_uint8", HwcImages.stack(frames.stream().map(processor::resize).toList(), true));
        ctx.check("pixel_values_no_squash", processor.preprocess(frames));
    }

    /** {@code clip_eval}: run_eval.py's clip_score_text and clip_score_frame with every quantity in between. */
    static void loveuMetrics(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        int[] squash = squashSize(args);
        ClipTokenizer tokenizer = ClipTokenizer.load(ctx.spec().root().resolve(args.path("tokenizer").asText()));
        List<Image8> frames = HwcImages.images(ctx.tensor("frames_rgb"));
        expect(args, "n_frames", frames.size());
        try (ClipMetrics metrics = new ClipMetrics(ClipModel.load(ctx.path("model"), ctx.engine()), tokenizer,
                ClipImageProcessor.read(ctx.path("model")), squash[0], squash[1])) {
            double logitScale = args.path("logit_scale").asDouble(Double.NaN);
            if ((float) logitScale != metrics.model().logitScale()) {
                throw new IllegalArgumentException("case args.logit_scale " + logitScale + " differs from the model's "
                        + metrics.model().logitScale());
            }
            ClipMetrics.Evaluation e = metrics.evaluate(frames, args.path("prompt").asText());
            long[] ids = e.inputIds().data();
            float[] idValues = new float[ids.length];
            for (int i = 0; i < ids.length; i++) {
                idValues[i] = ids[i];
            }
            ctx.check("input_ids", Tensor.of(idValues, 1, ids.length));
            ctx.check("attention_mask", Tensor.full(1f, 1, ids.length));
            ctx.check("pixel_values", e.pixelValues());
            ctx.check("text_embeds", e.clip().textEmbeds());
            ctx.check("image_embeds", e.clip().imageEmbeds());
            ctx.check("logits_per_image", e.clip().logitsPerImage());
            ctx.check("textual_alignment", Tensor.of(new float[] {(float) e.scores().textualAlignment()}, 1));
            ctx.check("image_features", e.clip().imageFeatures());
            ctx.check("cosine_matrix", e.cosineMatrix());
            ctx.check("frame_consistency", Tensor.of(new float[] {(float) e.scores().frameConsistency()}, 1));
        }
    }

    /** {@code args.squash_size} as [width, height], PIL's {@code Image.resize((width, height))} order. */
    private static int[] squashSize(JsonNode args) {
        JsonNode s = args.path("squash_size");
        if (!s.isArray() || s.size() != 2 || !s.get(0).canConvertToInt() || !s.get(1).canConvertToInt()) {
            throw new IllegalArgumentException("case args.squash_size must be [width, height], got " + s);
        }
        return new int[] {s.get(0).asInt(), s.get(1).asInt()};
    }

    private static void requireBicubic(String resample) {
        if (!resample.contains("BICUBIC")) {
            throw new IllegalArgumentException("case args.squash_resample is '" + resample + "'; run_eval.py's squash "
                    + "is Pillow's default for RGB, BICUBIC, which is what is implemented");
        }
    }

    private static void expect(JsonNode args, String key, int actual) {
        JsonNode n = args.path(key);
        if (!n.canConvertToInt() || n.asInt() != actual) {
            throw new IllegalArgumentException("case args." + key + " = " + n + " but the model folder says " + actual);
        }
    }

    private static void expect(JsonNode array, int index, int actual) {
        JsonNode n = array.path(index);
        if (!n.canConvertToInt() || n.asInt() != actual) {
            throw new IllegalArgumentException("case args " + array + " entry " + index + " differs from the "
                    + "processor's " + actual);
        }
    }
}
