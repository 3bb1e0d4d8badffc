package org.bivdiff.conformance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.bivdiff.media.Image8;
import org.bivdiff.media.annotators.MidasDetector;
import org.bivdiff.models.dpt.DptForDepthEstimation;
import org.bivdiff.models.dpt.DptKeyMapping;
import org.bivdiff.tensor.Tensor;

/** Golden cases of the DPT-Hybrid depth network, its key mapping and the MiDaS detector around it. */
final class DepthCases {

    private DepthCases() {
    }

    /**
     * {@code dpt_depth}: the predicted depth of three inputs (the trained size, another square size, a non-square
     * one) and, for the first, every intermediate ({@code a_*}).
     */
    static void dptDepth(CaseContext ctx) throws Exception {
        try (DptForDepthEstimation dpt = DptForDepthEstimation.load(ctx.path("model"), ctx.engine())) {
            Map<String, Tensor> a = dpt.trace(ctx.tensor("pixel_values_a"));
            ctx.check("predicted_depth_a", a.get("predicted_depth"));
            for (Map.Entry<String, Tensor> e : a.entrySet()) {
                if (!e.getKey().equals("predicted_depth")) {
                    ctx.check("a_" + e.getKey(), e.getValue());
                }
            }
            ctx.check("predicted_depth_b", dpt.predictDepth(ctx.tensor("pixel_values_b")));
            ctx.check("predicted_depth_c", dpt.predictDepth(ctx.tensor("pixel_values_c")));
        }
    }

    /**
     * {@code midas_detector}: MidasDetector on the frames of each run ({@code args.runs.<r>}: detect and image
     * resolution), every step checked: the resized detector input, the network input and the depth as computed
     * here; the uint8 depth from the stored depth and the depth map from the stored uint8 depth, so that each
     * integer step is checked exactly on the reference's own input (a float32 depth within its tolerance still
     * truncates to the neighbouring integer wherever the reference lands within about 1e-4 of one).
     */
    static void midasDetector(CaseContext ctx) throws Exception {
        JsonNode runs = ctx.spec().args().path("runs");
        if (!runs.isObject() || runs.isEmpty()) {
            throw new IllegalArgumentException("case args.runs must name at least one run");
        }
        try (DptForDepthEstimation dpt = DptForDepthEstimation.load(ctx.path("model"), ctx.engine())) {
            MidasDetector detector = new MidasDetector(dpt);
            for (var it = runs.fields(); it.hasNext();) {
                var run = it.next();
                String r = run.getKey();
                int detect = run.getValue().path("detect_resolution").asInt();
                int image = run.getValue().path("image_resolution").asInt();
                List<MidasDetector.Trace> traces = new ArrayList<>();
                for (Image8 frame : HwcImages.images(ctx.tensor("frames_" + r))) {
                    traces.add(detector.trace(frame, detect, image));
                }
                ctx.check("detector_input_" + r, HwcImages.stack(traces.stream().map(MidasDetector.Trace::detectorInput)
                        .toList(), true));
                ctx.check("model_input_" + r, Tensor.concat0(traces.stream().map(MidasDetector.Trace::modelInput).toList()));
                ctx.check("depth_" + r, Tensor.concat0(traces.stream().map(MidasDetector.Trace::depth).toList()));
                Tensor storedDepth = ctx.tensor("depth_" + r);
                List<Image8> uint8 = new ArrayList<>();
                for (int n = 0; n < storedDepth.dim(0); n++) {
                    uint8.add(MidasDetector.depthToUint8(storedDepth.slice0(n, n + 1)));
                }
                ctx.check("depth_uint8_" + r, HwcImages.stack(uint8, false));
                List<Image8> maps = new ArrayList<>();
                for (Image8 d : HwcImages.images(ctx.tensor("depth_uint8_" + r).reshape(
                        ctx.tensor("depth_uint8_" + r).dim(0), storedDepth.dim(1), storedDepth.dim(2), 1))) {
                    maps.add(MidasDetector.depthMap(d, image));
                }
                ctx.check("depth_map_" + r, HwcImages.stack(maps, true));
            }
        }
    }

    /**
     * {@code dpt_key_mapping}: every key of the original checkpoint (listed with its shape) converted as
     * convert_dpt_hybrid_to_pytorch.py does; the op, every target key, its row range and shape must match. The ViT
     * width and depth come from the listed source shapes (the class token, the numbered blocks).
     */
    static void dptKeyMapping(CaseContext ctx) {
        JsonNode keys = ctx.spec().json().path("keys");
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, JsonNode> expected = new LinkedHashMap<>();
        int layers = 0;
        for (JsonNode k : keys) {
            String key = k.path("key").asText();
            shapes.put(key, longs(k.path("shape")));
            expected.put(key, k);
            if (key.startsWith("pretrained.model.blocks.")) {
                layers = Math.max(layers, Integer.parseInt(key.split("\\.")[3]) + 1);
            }
        }
        long[] cls = shapes.get("pretrained.model.cls_token");
        if (cls == null) {
            throw new IllegalArgumentException("case lists no pretrained.model.cls_token, which gives the ViT width");
        }
        List<DptKeyMapping.Entry> entries = DptKeyMapping.convert(shapes, (int) cls[cls.length - 1], layers);
        float[] matched = new float[entries.size()];
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            DptKeyMapping.Entry e = entries.get(i);
            String want = describe(expected.get(e.source()));
            String got = describe(e);
            matched[i] = want.equals(got) ? 1f : 0f;
            if (matched[i] == 0f && wrong.size() < 5) {
                wrong.add(e.source() + ": expected " + want + ", got " + got);
            }
        }
        if (!wrong.isEmpty()) {
            throw new IllegalStateException("key mapping differs: " + String.join("; ", wrong));
        }
        float[] ones = new float[entries.size()];
        Arrays.fill(ones, 1f);
        ctx.check(OutputSpec.exact("keys", new int[] {ones.length}), Tensor.of(matched, matched.length),
                Tensor.of(ones, ones.length));
    }

    private static String describe(JsonNode k) {
        String op = k.path("op").asText();
        return switch (op) {
            case "rename" -> "rename " + k.path("hf_key").asText();
            case "drop" -> "drop";
            case "split_qkv" -> {
                StringBuilder b = new StringBuilder("split_qkv");
                for (JsonNode t : k.path("targets")) {
                    b.append(' ').append(t.path("hf_key").asText()).append(" rows ").append(t.path("rows").get(0).asLong())
                            .append(' ').append(Arrays.toString(longs(t.path("shape"))));
                }
                yield b.toString();
            }
            default -> "unknown op " + op;
        };
    }

    private static String describe(DptKeyMapping.Entry e) {
        return switch (e.op()) {
            case RENAME -> "rename " + e.targets().getFirst().key();
            case DROP -> "drop";
            case SPLIT_QKV -> {
                StringBuilder b = new StringBuilder("split_qkv");
                for (DptKeyMapping.Target t : e.targets()) {
                    b.append(' ').append(t.key()).append(" rows ").append(t.rowStart()).append(' ')
                            .append(Arrays.toString(t.shape()));
                }
                yield b.toString();
            }
        };
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
