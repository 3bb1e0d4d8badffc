package org.bivdiff.graph;

import static org.bivdiff.conformance.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import org.bivdiff.io.DType;
import org.bivdiff.io.SafeTensorsFile;
import org.bivdiff.io.SafeTensorsWriter;
import org.bivdiff.io.TensorInfo;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tier 0: graph ops against values computed by hand (or by a direct loop here). */
class GraphOpsTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(1));

    /** Builds a one-input graph "x" -> "y", runs it on {@code x}. */
    private static Tensor run(Tensor x, BiFunction<Graph, Value, Value> body) {
        Graph g = new Graph("test");
        Object[] dims = new Object[x.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = "d" + i;
        }
        Value in = g.input("x", DType.F32, dims);
        g.output("y", body.apply(g, in));
        try (Network n = ENGINE.load(g.build())) {
            return n.run(Map.of("x", x)).get("y");
        }
    }

    @Test
    void siluAndGelu() {
        Tensor x = Tensor.of(new float[] {-2f, 0f, 1f, 3f}, 4);
        Tensor silu = run(x, Graph::silu);
        Tensor gelu = run(x, Graph::gelu);
        Tensor quick = run(x, Graph::quickGelu);
        for (int i = 0; i < 4; i++) {
            double v = x.data()[i];
            assertEquals(v / (1 + Math.exp(-v)), silu.data()[i], 1e-6);
            assertEquals(0.5 * v * (1 + erf(v / Math.sqrt(2))), gelu.data()[i], 1e-6);
            assertEquals(v / (1 + Math.exp(-1.702 * v)), quick.data()[i], 1e-6);
        }
    }

    @Test
    void groupNormMatchesDefinition() {
        // (N=1, C=4, H=1, W=2), 2 groups of 2 channels: each group normalised over its 4 values.
        float[] v = {1, 2, 3, 4, 10, 20, 30, 40};
        Tensor x = Tensor.of(v, 1, 4, 1, 2);
        float[] gamma = {1, 2, 1, 1};
        float[] beta = {0, 0, 0.5f, 0};
        Tensor y = run(x, (g, in) -> g.groupNorm(in, 2, 1e-5f, g.constant(gamma, 4), g.constant(beta, 4), 2));
        float[] expected = new float[8];
        for (int grp = 0; grp < 2; grp++) {
            double mean = 0;
            double var = 0;
            for (int i = 0; i < 4; i++) {
                mean += v[grp * 4 + i] / 4.0;
            }
            for (int i = 0; i < 4; i++) {
                var += Math.pow(v[grp * 4 + i] - mean, 2) / 4.0;
            }
            for (int i = 0; i < 4; i++) {
                int c = (grp * 4 + i) / 2;
                expected[grp * 4 + i] = (float) ((v[grp * 4 + i] - mean) / Math.sqrt(var + 1e-5) * gamma[c] + beta[c]);
            }
        }
        assertClose(Tensor.of(expected, 1, 4, 1, 2), y, 1e-5, 1e-5, "group norm");
    }

    @Test
    void groupNormOverFramesUsesAllFrames() {
        // (N=1, C=2, F=2, H=1, W=1), one group: statistics over channels and frames together.
        float[] v = {0, 2, 4, 6};
        Tensor y = run(Tensor.of(v, 1, 2, 2, 1, 1), (g, in) -> g.groupNorm(in, 1, 0f, Graph.NONE, Graph.NONE, 3));
        double sd = Math.sqrt(5);
        assertClose(Tensor.of(new float[] {(float) (-3 / sd), (float) (-1 / sd), (float) (1 / sd), (float) (3 / sd)},
                1, 2, 2, 1, 1), y, 1e-6, 1e-6, "group norm over frames");
    }

    @Test
    void convPadAndStride() {
        // 3x3 input, a 2x2 all-ones kernel with stride 1, no padding: sums of 2x2 windows plus bias.
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        Tensor y = run(x, (g, in) -> g.conv(in, g.constant(new float[] {1, 1, 1, 1}, 1, 1, 2, 2),
                g.constant(new float[] {0.5f}, 1), 1, 0));
        assertClose(Tensor.of(new float[] {12.5f, 16.5f, 24.5f, 28.5f}, 1, 1, 2, 2), y, 0, 1e-7, "conv");
        Tensor padded = run(x, (g, in) -> g.pad2d(in, 0, 0, 1, 1));
        assertEquals(List.of(1, 1, 4, 4), List.of(padded.shape()[0], padded.shape()[1], padded.shape()[2], padded.shape()[3]));
        assertEquals(9f, padded.data()[2 * 4 + 2]);
        assertEquals(0f, padded.data()[3 * 4 + 3]);
    }

    @Test
    void nearestUpsampleRepeatsPixels() {
        Tensor y = run(Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2), (g, in) -> g.upsampleNearest(in, 2f));
        assertClose(Tensor.of(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, 1, 1, 4, 4), y, 0, 0, "upsample");
    }

    @Test
    void gemmTransposesTheStoredWeight() {
        // torch Linear: y = x W^T + b, W (out=2, in=3).
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        Tensor y = run(x, (g, in) -> g.gemm(in, g.constant(new float[] {1, 0, 0, 0, 1, 1}, 2, 3),
                g.constant(new float[] {10, 20}, 2)));
        assertClose(Tensor.of(new float[] {11, 25}, 1, 2), y, 0, 0, "gemm");
    }

    @Test
    void fusedAttentionMatchesSoftmaxAttention() {
        // One batch, 3 query tokens, 2 key tokens, 2 heads of 2 channels.
        int s = 3;
        int l = 2;
        int heads = 2;
        int d = 2;
        float[] q = {0.1f, -0.3f, 0.5f, 0.2f, 0.7f, 0.1f, -0.2f, 0.4f, -0.5f, 0.9f, 0.3f, -0.1f};
        float[] k = {0.2f, 0.1f, -0.4f, 0.3f, -0.6f, 0.8f, 0.5f, -0.2f};
        float[] v = {1, 2, 3, 4, 5, 6, 7, 8};
        Graph g = new Graph("attn");
        Value qi = g.input("q", DType.F32, 1, s, heads * d);
        Value ki = g.input("k", DType.F32, 1, l, heads * d);
        Value vi = g.input("v", DType.F32, 1, l, heads * d);
        g.output("y", g.attention(qi, ki, vi, heads, 0.7f));
        Tensor y;
        try (Network n = ENGINE.load(g.build())) {
            y = n.run(Map.of("q", Tensor.of(q, 1, s, 4), "k", Tensor.of(k, 1, l, 4), "v", Tensor.of(v, 1, l, 4))).get("y");
        }
        float[] expected = new float[s * heads * d];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < s; i++) {
                double[] logits = new double[l];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < l; j++) {
                    for (int c = 0; c < d; c++) {
                        logits[j] += 0.7 * q[i * 4 + h * d + c] * k[j * 4 + h * d + c];
                    }
                    max = Math.max(max, logits[j]);
                }
                double sum = 0;
                for (int j = 0; j < l; j++) {
                    logits[j] = Math.exp(logits[j] - max);
                    sum += logits[j];
                }
                for (int c = 0; c < d; c++) {
                    double acc = 0;
                    for (int j = 0; j < l; j++) {
                        acc += logits[j] / sum * v[j * 4 + h * d + c];
                    }
                    expected[i * 4 + h * d + c] = (float) acc;
                }
            }
        }
        assertClose(Tensor.of(expected, 1, s, 4), y, 1e-5, 1e-5, "attention");
    }

    @Test
    void externalWeightsAreReadFromSafetensorsInEveryFloatType(@TempDir Path dir) throws Exception {
        float[] w = {0.5f, -1.25f, 3f, 1024f};
        Path file = dir.resolve("weights.safetensors");
        SafeTensorsWriter.write(file, List.of(
                SafeTensorsWriter.Entry.f32("a.f32", new long[] {4}, w),
                SafeTensorsWriter.Entry.f16("a.f16", new long[] {4}, w),
                SafeTensorsWriter.Entry.bf16("a.bf16", new long[] {4}, w)), Map.of());
        Graph g = new Graph("external");
        Value x = g.input("x", DType.F32, 4);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            for (String name : List.of("a.f32", "a.f16", "a.bf16")) {
                TensorInfo info = f.info(name).orElseThrow();
                ExternalTensor t = new ExternalTensor(name, file, f.absoluteOffset(info), info.byteLength(),
                        info.dtype(), info.shape());
                g.output("y_" + name, g.add(x, g.weight(t)));
            }
        }
        Map<String, Tensor> out;
        try (Network n = ENGINE.load(g.build())) {
            out = new LinkedHashMap<>(n.run(Map.of("x", Tensor.zeros(4))));
        }
        for (String name : List.of("a.f32", "a.f16", "a.bf16")) {
            assertClose(Tensor.of(w, 4), out.get("y_" + name), 0, 0, name);
        }
    }

    @Test
    void missingInputIsNamed() {
        Graph g = new Graph("needs_x");
        Value x = g.input("x", DType.F32, 2);
        g.output("y", g.add(x, x));
        try (Network n = ENGINE.load(g.build())) {
            var e = assertThrows(IllegalArgumentException.class, () -> n.run(Map.of()));
            assertTrue(e.getMessage().contains("'x'"), e.getMessage());
            var unknown = assertThrows(IllegalArgumentException.class,
                    () -> n.run(Map.of("x", Tensor.zeros(2), "z", Tensor.zeros(2))));
            assertTrue(unknown.getMessage().contains("'z'"), unknown.getMessage());
        }
    }

    @Test
    void cudaWithoutAUsableGpuFailsBeforeAnySessionWithTheCheckLine() {
        CudaRuntime.Check check = CudaRuntime.check(0);
        Graph g = new Graph("cuda");
        Value x = g.input("x", DType.F32, 1);
        g.output("y", g.add(x, x));
        Engine cuda = new Engine(Engine.Options.defaults().withProvider(Provider.CUDA));
        if (check.ready()) {
            try (Network n = cuda.load(g.build())) {
                assertArrayEquals(new float[] {4}, n.run(Map.of("x", Tensor.of(new float[] {2}, 1))).get("y").data());
            }
        } else {
            var e = assertThrows(EngineException.class, () -> cuda.load(g.build()));
            assertEquals(check.problem(), e.getMessage());
        }
    }

    private static double erf(double x) {
        // Abramowitz-Stegun 7.1.26 is too coarse here; integrate the series instead.
        double sum = 0;
        double term = x;
        for (int n = 0; n < 60; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }
}
