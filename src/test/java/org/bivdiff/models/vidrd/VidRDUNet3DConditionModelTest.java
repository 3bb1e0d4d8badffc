package org.bivdiff.models.vidrd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.DType;
import org.bivdiff.models.WeightsException;
import org.bivdiff.models.random.RandomWeights;
import org.bivdiff.models.random.TinyModels;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.models.vidrd.VidRDUNet3DConditionModel.Options;
import org.bivdiff.models.vidrd.VidRDUNet3DConditionModel.SingleFrame;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VidRD's UNet on tiny random weights: its key layout, the single-frame behaviour of its temporal layers against
 * the 2D UNet, and strict loading. The golden comparison is the {@code vidrd_unet3d} conformance case.
 */
class VidRDUNet3DConditionModelTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));
    private static final long SEED = 7;

    @TempDir
    static Path dir;
    private static Path base;
    private static Map<String, long[]> layout;

    @BeforeAll
    static void models() throws IOException {
        base = TinyModels.stableDiffusion21Base(dir.resolve("sd21"), 3).resolve("unet");
        layout = VidRDUNet3DConditionModel.parameterShapes(base, Options.VIDRD);
        RandomWeights.write(Files.createDirectories(dir.resolve("vidrd-unet")).resolve("model.safetensors"), layout,
                SEED, DType.F32);
        // The same values for the 2D keys alone (random values depend on the key and the seed only).
        Map<String, long[]> twoD = new LinkedHashMap<>(layout);
        twoD.keySet().removeIf(k -> k.contains("temp_"));
        Path flat = Files.createDirectories(dir.resolve("finetuned-2d"));
        Files.copy(base.resolve("config.json"), flat.resolve("config.json"));
        RandomWeights.write(flat.resolve("diffusion_pytorch_model.safetensors"), twoD, SEED, DType.F32);
    }

    @Test
    void layoutIsTheBaseUNetPlusTemporalConvsAndAttentions() throws IOException {
        Map<String, long[]> twoD = UNet2DConditionModel.parameterShapes(base);
        for (String k : layout.keySet()) {
            assertEquals(!twoD.containsKey(k), k.contains("temp_"), k);
        }
        assertTrue(layout.keySet().containsAll(twoD.keySet()));
        assertEquals(5, layout.get("mid_block.temp_convs.0.convs.3.weight").length, "Conv3d (C, C, 3, 1, 1)");
        assertTrue(layout.containsKey("up_blocks.3.attentions.1.transformer_blocks.0.temp_attn.to_out.0.bias"));
        assertFalse(layout.containsKey("down_blocks.0.attentions.0.transformer_blocks.0.temp_attn.to_q.bias"),
                "no q/k/v bias");
        Map<String, long[]> noConv = VidRDUNet3DConditionModel.parameterShapes(base, new Options(true, false,
                SingleFrame.KEEPS_EMBEDDING));
        assertTrue(noConv.keySet().stream().noneMatch(k -> k.contains("temp_convs")));
        assertTrue(noConv.keySet().stream().anyMatch(k -> k.contains("temp_attn")));
    }

    /**
     * A one-frame video: the temporal convolutions add 0 and the GroupNorms over one frame are per frame, so with
     * {@link SingleFrame#UNCHANGED} VidRD is the 2D UNet of its 2D weights. (The reference's quirk, which keeps the
     * frame embedding of position 0, is checked by the {@code vidrd_unet3d} case's {@code out_single_frame}.)
     */
    @Test
    void aSingleFrameIsThe2dUNetWithoutTheReferencesEmbeddingQuirk() throws IOException {
        Tensor frame = gaussian(11, 1, 4, 8, 8);
        Tensor text = gaussian(12, 1, 77, 32);
        Tensor expected;
        try (UNet2DConditionModel unet2d = UNet2DConditionModel.load(dir.resolve("finetuned-2d"), ENGINE)) {
            expected = unet2d.forward(frame, 501, text);
        }
        Tensor video = frame.reshape(1, 4, 1, 8, 8);
        try (Checkpoint w = Checkpoint.open(dir.resolve("vidrd-unet"));
             VidRDUNet3DConditionModel clean = VidRDUNet3DConditionModel.load(base, w,
                     new Options(true, true, SingleFrame.UNCHANGED), ENGINE)) {
            TensorAssert.assertClose(expected, clean.forward(video, 501, text).reshape(1, 4, 8, 8), 2e-5, 1e-4,
                    "one frame, clean");
        }
    }

    @Test
    void everyCheckpointKeyMustBeUsedAndEveryLayerFound() throws IOException {
        Map<String, long[]> missing = new LinkedHashMap<>(layout);
        missing.remove("mid_block.temp_convs.0.convs.15.bias");
        Map<String, long[]> extra = new LinkedHashMap<>(layout);
        extra.put("mid_block.temp_convs.0.convs.16.weight", new long[] {64});
        Map<String, long[]> wrongShape = new LinkedHashMap<>(layout);
        wrongShape.put("down_blocks.1.attentions.0.transformer_blocks.0.temp_norm.weight", new long[] {31});
        for (var c : Map.of("missing", missing, "extra", extra, "shape", wrongShape).entrySet()) {
            Path folder = Files.createDirectories(dir.resolve("bad-" + c.getKey()));
            RandomWeights.write(folder.resolve("model.safetensors"), c.getValue(), SEED, DType.F32);
            try (Checkpoint w = Checkpoint.open(folder)) {
                var e = assertThrows(WeightsException.class, () -> VidRDUNet3DConditionModel.load(base, w, Options.VIDRD,
                        ENGINE));
                String key = switch (c.getKey()) {
                    case "missing" -> "mid_block.temp_convs.0.convs.15.bias";
                    case "extra" -> "mid_block.temp_convs.0.convs.16.weight";
                    default -> "down_blocks.1.attentions.0.transformer_blocks.0.temp_norm.weight";
                };
                assertTrue(e.getMessage().contains(key), e.getMessage());
            }
        }
    }

    /** from_pretrained_2d loads the base weights strictly: the 2D keys, nothing else, the temporal ones optional. */
    @Test
    void theBaseFolderMustHoldThe2dWeights() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("base-extra"));
        Files.copy(base.resolve("config.json"), folder.resolve("config.json"));
        Map<String, long[]> shapes = new LinkedHashMap<>(UNet2DConditionModel.parameterShapes(base));
        shapes.remove("conv_in.bias");
        shapes.put("class_embedding.linear_1.weight", new long[] {4, 4});
        RandomWeights.write(folder.resolve("diffusion_pytorch_model.safetensors"), shapes, SEED, DType.F32);
        try (Checkpoint w = Checkpoint.open(dir.resolve("vidrd-unet"))) {
            var e = assertThrows(WeightsException.class, () -> VidRDUNet3DConditionModel.load(folder, w, Options.VIDRD,
                    ENGINE));
            assertTrue(e.getMessage().contains("conv_in.bias") && e.getMessage().contains("class_embedding"),
                    e.getMessage());
            assertTrue(e.getMessage().contains(folder.toString()), e.getMessage());
        }
    }

    @Test
    void fromPretrained2dArgumentsOfOtherArchitecturesAreRefusedByName() {
        assertEquals(Options.VIDRD, Options.fromPretrained2dKwargs(Map.of("add_temp_embed", true, "add_temp_conv", true,
                "prepend_first_frame", false)));
        assertEquals(new Options(false, false, SingleFrame.KEEPS_EMBEDDING), Options.fromPretrained2dKwargs(Map.of()));
        var sparse = assertThrows(IllegalArgumentException.class,
                () -> Options.fromPretrained2dKwargs(Map.of("prepend_first_frame", true)));
        assertTrue(sparse.getMessage().contains("prepend_first_frame"), sparse.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> Options.fromPretrained2dKwargs(Map.of("add_temporal_embed", true)));
        assertTrue(unknown.getMessage().contains("add_temporal_embed"), unknown.getMessage());
    }

    @Test
    void inputsOfTheWrongShapeAreRefused() throws IOException {
        try (Checkpoint w = Checkpoint.open(dir.resolve("vidrd-unet"));
             VidRDUNet3DConditionModel unet = VidRDUNet3DConditionModel.load(base, w, Options.VIDRD, ENGINE)) {
            var flat = assertThrows(IllegalArgumentException.class,
                    () -> unet.forward(gaussian(1, 1, 4, 8, 8), 1, gaussian(2, 1, 77, 32)));
            assertTrue(flat.getMessage().contains("(B, 4, F, H, W)"), flat.getMessage());
            var text = assertThrows(IllegalArgumentException.class,
                    () -> unet.forward(gaussian(1, 1, 4, 2, 8, 8), 1, gaussian(2, 1, 77, 16)));
            assertTrue(text.getMessage().contains("32"), text.getMessage());
        }
    }

    private static Tensor gaussian(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.of(v, shape);
    }
}
