package org.bivdiff.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Model;
import org.bivdiff.graph.Network;
import org.bivdiff.graph.Precision;
import org.bivdiff.graph.Provider;
import org.bivdiff.io.DType;
import org.bivdiff.io.SafeTensorsFile;
import org.bivdiff.io.SafeTensorsWriter;
import org.bivdiff.io.TensorInfo;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.blocks.Timesteps;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.random.TinyModels;
import org.bivdiff.models.unet2d.ControlNetResiduals;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel.FrameNorm;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.models.unet3d.UNet3DConditionModel;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.models.vidrd.VidRDModel;
import org.bivdiff.models.vidrd.VidRDUNet3DConditionModel;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Float16 graphs: every model computes in half precision when asked (its results move off the
 * float32 ones by rounding, and no further), half-precision checkpoints are used as stored, and the
 * timestep sinusoids stay float32.
 */
class HalfPrecisionTest {

    /**
     * Largest relative L2 distance between a float16 and a float32 run. float16 rounds to 2^-11 (5e-4)
     * at every op; through the tiny models' 20-40 layers that stays under about 1e-2 (measured: 1e-3 to
     * 7e-3). A value computed in the wrong type or a lost tensor shows up as order 1.
     */
    private static final double HALF_PRECISION_DISTANCE = 2e-2;

    private static final Engine FP32 = new Engine(Engine.Options.defaults().withThreads(1));
    private static final Engine FP16 = new Engine(Engine.Options.defaults().withThreads(1).withPrecision(Precision.FP16));

    @TempDir
    static Path dir;
    private static Path sd;

    @BeforeAll
    static void writeModels() throws Exception {
        sd = TinyModels.stableDiffusion(dir.resolve("sd"), 7);
    }

    @Test
    void autoPrecisionIsHalfOnCudaAndFloatOnTheCpu() {
        assertEquals(DType.F16, Precision.AUTO.computeType(Provider.CUDA));
        assertEquals(DType.F32, Precision.AUTO.computeType(Provider.CPU));
        assertEquals(DType.F16, Precision.FP16.computeType(Provider.CPU));
        assertEquals(DType.F32, Precision.FP32.computeType(Provider.CUDA));
        assertEquals(DType.F32, Engine.cpu().computeType());
    }

    @Test
    void imageModelsInHalfPrecisionFollowTheFloatOnes() throws Exception {
        Path cn = TinyModels.controlNet(dir.resolve("controlnet"), 8);
        Path ad = TinyModels.t2iAdapter(dir.resolve("adapter"), 9);
        Tensor ehs = normal(1, 2, 77, 32);
        Tensor x = normal(2, 2, 4, 16, 16);
        Tensor cond = uniform(3, 2, 3, 32, 32);
        try (UNet2DConditionModel a = UNet2DConditionModel.load(sd.resolve("unet"), FP32);
             UNet2DConditionModel b = UNet2DConditionModel.load(sd.resolve("unet"), FP16)) {
            for (double t : new double[] {1, 501, 999.5}) {
                assertHalfPrecisionOf(a.forward(x, t, ehs), b.forward(x, t, ehs), "unet t=" + t);
            }
            try (ControlNetModel ca = ControlNetModel.load(cn, FP32); ControlNetModel cb = ControlNetModel.load(cn, FP16)) {
                Tensor t = Tensor.full(501f, 2);
                ControlNetResiduals ra = ca.forward(x, t, ehs, cond, 1.0, false);
                ControlNetResiduals rb = cb.forward(x, t, ehs, cond, 1.0, false);
                assertHalfPrecisionOf(ra.midBlockResSample(), rb.midBlockResSample(), "controlnet mid");
                assertHalfPrecisionOf(a.forwardWithControlNet(x, t, ehs, ra), b.forwardWithControlNet(x, t, ehs, rb),
                        "unet + controlnet");
            }
            try (T2IAdapter aa = T2IAdapter.load(ad, FP32); T2IAdapter ab = T2IAdapter.load(ad, FP16)) {
                List<Tensor> fa = aa.forward(cond);
                List<Tensor> fb = ab.forward(cond);
                assertHalfPrecisionOf(fa.getLast(), fb.getLast(), "adapter");
                Tensor t = Tensor.full(501f, 2);
                assertHalfPrecisionOf(a.forwardWithAdapter(x, t, ehs, fa), b.forwardWithAdapter(x, t, ehs, fb),
                        "unet + adapter");
            }
        }
    }

    @Test
    void vaeAndTextEncoderInHalfPrecisionFollowTheFloatOnes() throws Exception {
        try (AutoencoderKL a = AutoencoderKL.load(sd.resolve("vae"), FP32);
             AutoencoderKL b = AutoencoderKL.load(sd.resolve("vae"), FP16)) {
            Tensor z = normal(4, 1, 4, 16, 16);
            assertHalfPrecisionOf(a.decode(z), b.decode(z), "vae decode");
            Tensor image = uniform(5, 1, 3, 32, 32);
            assertHalfPrecisionOf(a.encode(image).mean(), b.encode(image).mean(), "vae encode");
        }
        try (ClipTextModel a = ClipTextModel.load(sd.resolve("text_encoder"), FP32);
             ClipTextModel b = ClipTextModel.load(sd.resolve("text_encoder"), FP16)) {
            int vocab = a.config().vocabSize();
            long[] ids = new long[77];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i < 6 ? 40 + 11L * i : vocab - 1;
            }
            LongTensor tokens = new LongTensor(new int[] {1, 77}, ids);
            assertHalfPrecisionOf(a.forward(tokens).lastHiddenState(), b.forward(tokens).lastHiddenState(), "clip");
            assertHalfPrecisionOf(a.forward(tokens).poolerOutput(), b.forward(tokens).poolerOutput(), "clip pooled");
        }
    }

    @Test
    void videoUNetInHalfPrecisionFollowsTheFloatOne() throws Exception {
        Path video = TinyModels.videoModel(dir.resolve("video"), 10);
        Tensor x = normal(6, 1, 4, 8, 16, 16);
        Tensor ehs = normal(7, 1, 77, 32);
        try (UNet3DConditionModel a = UNet3DConditionModel.load(video.resolve("unet"), FP32);
             UNet3DConditionModel b = UNet3DConditionModel.load(video.resolve("unet"), FP16)) {
            assertHalfPrecisionOf(a.forward(x, 501, ehs), b.forward(x, 501, ehs), "unet3d");
        }
        try (InflatedUNet3DConditionModel a = InflatedUNet3DConditionModel.load(sd.resolve("unet"), FP32);
             InflatedUNet3DConditionModel b = InflatedUNet3DConditionModel.load(sd.resolve("unet"), FP16)) {
            Tensor t = Tensor.full(501f, 1);
            for (FrameNorm norm : FrameNorm.values()) {
                assertHalfPrecisionOf(a.forward(x, t, ehs, norm), b.forward(x, t, ehs, norm), "inflated unet " + norm);
            }
        }
    }

    /** VidRD's temporal layers (frame embedding, single-frame gates) compute in the graph's type too. */
    @Test
    void vidrdInHalfPrecisionFollowsTheFloatOne() throws Exception {
        VidRDModel vidrd = VidRDModel.fromPretrained(dir.resolve("checkpoints/stable-diffusion-2-1-base"),
                TinyModels.vidrd(dir.resolve("checkpoints"), 11), VidRDUNet3DConditionModel.Options.VIDRD);
        Tensor x = normal(6, 1, 4, 2, 8, 8);
        Tensor ehs = normal(7, 1, 77, 32);
        try (VidRDUNet3DConditionModel a = vidrd.loadUnet(FP32); VidRDUNet3DConditionModel b = vidrd.loadUnet(FP16)) {
            assertHalfPrecisionOf(a.forward(x, 501, ehs), b.forward(x, 501, ehs), "vidrd unet");
        }
    }

    @Test
    void halfPrecisionCheckpointsAreUsedAsStored(@TempDir Path tmp) throws Exception {
        // A folder with both the full-precision weights and the diffusers fp16 variant.
        Path unet = tmp.resolve("unet");
        Files.createDirectories(unet);
        Files.copy(sd.resolve("unet/config.json"), unet.resolve("config.json"));
        Files.copy(sd.resolve("unet/diffusion_pytorch_model.safetensors"),
                unet.resolve("diffusion_pytorch_model.safetensors"));
        writeHalfCopy(unet.resolve("diffusion_pytorch_model.safetensors"),
                unet.resolve("diffusion_pytorch_model.fp16.safetensors"));
        Tensor x = normal(8, 2, 4, 16, 16);
        Tensor ehs = normal(9, 2, 77, 32);
        try (UNet2DConditionModel a = UNet2DConditionModel.load(unet, FP32);
             UNet2DConditionModel b = UNet2DConditionModel.load(unet, FP16)) {
            Model full = a.graph(UNet2DConditionModel.Conditioning.NONE);
            Model half = b.graph(UNet2DConditionModel.Conditioning.NONE);
            // float32: the plain file, no conversions; float16: the fp16 file, no conversions either.
            assertEquals(0, castsOfWeights(full));
            assertEquals(0, castsOfWeights(half));
            assertTrue(externalTypes(full).stream().allMatch(t -> t == TensorProto.DataType.FLOAT_VALUE));
            assertTrue(externalTypes(half).stream().allMatch(t -> t == TensorProto.DataType.FLOAT16_VALUE));
            assertHalfPrecisionOf(a.forward(x, 501, ehs), b.forward(x, 501, ehs), "unet from fp16 weights");
        }
        // Without the full-precision file a float32 graph widens the fp16 weights once, at load.
        Files.delete(unet.resolve("diffusion_pytorch_model.safetensors"));
        try (UNet2DConditionModel a = UNet2DConditionModel.load(unet, FP32)) {
            Model full = a.graph(UNet2DConditionModel.Conditioning.NONE);
            assertEquals(externalTypes(full).size(), castsOfWeights(full));
            assertTrue(Float.isFinite(a.forward(x, 501, ehs).data()[0]));
        }
    }

    @Test
    void timestepSinusoidsStayFloat32InAHalfPrecisionGraph() {
        int channels = 32;
        Graph g = new Graph("timesteps", DType.F16);
        g.output("emb", new Timesteps(channels, true, 0).forward(g, g.input("t", DType.F32, "n")));
        float[] t = {1f, 499.25f, 999.5f};
        Tensor emb;
        try (Network n = FP16.load(g.build())) {
            emb = n.run(Map.of("t", new Tensor(new int[] {t.length}, t))).get("emb");
        }
        int half = channels / 2;
        double worst = 0;
        for (int r = 0; r < t.length; r++) {
            for (int i = 0; i < half; i++) {
                double arg = t[r] * Math.exp(-Math.log(10000) * i / half);
                worst = Math.max(worst, Math.abs(emb.data()[r * channels + i] - Math.cos(arg)));
                worst = Math.max(worst, Math.abs(emb.data()[r * channels + half + i] - Math.sin(arg)));
            }
        }
        // Only the final rounding to float16 (half an ulp below 1: 2^-12); a float16 argument near
        // t = 1000 would be off by up to 0.25 and move the sinusoids by as much.
        assertTrue(worst <= Math.scalb(1.0, -11), "worst sinusoid error " + worst);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static void assertHalfPrecisionOf(Tensor full, Tensor half, String what) {
        assertArrayEquals(full.shape(), half.shape(), what);
        double num = 0;
        double den = 0;
        for (int i = 0; i < full.data().length; i++) {
            double d = (double) half.data()[i] - full.data()[i];
            num += d * d;
            den += (double) full.data()[i] * full.data()[i];
        }
        double distance = Math.sqrt(num / den);
        assertTrue(distance <= HALF_PRECISION_DISTANCE, what + ": relative distance " + distance);
        // ... and the half-precision graph really rounded: it is not the float32 computation again.
        assertTrue(distance > 1e-6, what + ": float16 result equals the float32 one (" + distance + ")");
    }

    private static void writeHalfCopy(Path from, Path to) throws Exception {
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(from)) {
            for (TensorInfo info : f.tensors()) {
                entries.add(SafeTensorsWriter.Entry.f16(info.name(), info.shape(), f.readFloats(info.name())));
            }
        }
        SafeTensorsWriter.write(to, entries, Map.of("format", "pt"));
    }

    private static int castsOfWeights(Model m) {
        List<String> external = m.proto().getGraph().getInitializerList().stream()
                .filter(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL).map(TensorProto::getName).toList();
        int casts = 0;
        for (NodeProto n : m.proto().getGraph().getNodeList()) {
            if (n.getOpType().equals("Cast") && external.contains(n.getInput(0))) {
                casts++;
            }
        }
        return casts;
    }

    private static List<Integer> externalTypes(Model m) {
        return m.proto().getGraph().getInitializerList().stream()
                .filter(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL).map(TensorProto::getDataType)
                .toList();
    }

    private static Tensor normal(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[Math.toIntExact(count(shape))];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return new Tensor(shape, x);
    }

    private static Tensor uniform(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[Math.toIntExact(count(shape))];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        return new Tensor(shape, x);
    }

    private static long count(int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
