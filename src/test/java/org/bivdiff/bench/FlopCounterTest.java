package org.bivdiff.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import java.nio.file.Path;

import org.bivdiff.graph.Attr;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Model;
import org.bivdiff.graph.Value;
import org.bivdiff.io.DType;
import org.bivdiff.models.random.TinyModels;
import org.bivdiff.models.unet3d.UNet3DConditionModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FLOPs of hand-built graphs against hand-computed counts, with shapes computed inside the graph. */
class FlopCounterTest {

    @Test
    void convGemmAndAttentionAreCountedFromTheGraph() {
        Graph g = new Graph("flops");
        Value x = g.input("x", DType.F32, "batch", 4, "h", "w");
        Value conv = g.conv(x, g.constant(new float[8 * 4 * 3 * 3], 8, 4, 3, 3), Graph.NONE, 1, 1); // (N, 8, H, W)
        // (N, 8, H, W) -> (N, H*W, 8) -> (N*H*W, 8) -> Gemm to 6 -> back to (N, H*W, 6) via a computed shape
        Value tokens = g.transpose(g.reshape(conv, 0, 0, -1), 0, 2, 1);
        Value flat = g.gemm(g.reshape(tokens, -1, 8), g.constant(new float[6 * 8], 6, 8), Graph.NONE);
        Value leading = g.slice(g.shape(tokens), new long[] {0}, new long[] {2}, new long[] {0});
        Value q = g.reshape(flat, g.concat(0, leading, g.longs(6)));                              // (N, S, 6)
        Value kv = g.input("context", DType.F32, "batch", "length", 6);
        g.output("y", g.attention(q, kv, kv, 2, 1f));
        Model m = g.build();

        FlopCounter.Count c = FlopCounter.count(m, Map.of("x", new long[] {2, 4, 5, 7}, "context",
                new long[] {2, 3, 6}));

        long s = 5 * 7;
        assertEquals(2L * 4 * 8 * 9 * s * 2, c.byOp().get("Conv"));
        assertEquals(2L * 8 * 6 * (2 * s), c.byOp().get("Gemm"));
        assertEquals(4L * s * 3 * 3 * 2 * 2, c.byOp().get("MultiHeadAttention"));       // 4 S L d heads N
        assertEquals(c.byOp().values().stream().mapToLong(Long::longValue).sum(), c.total());
    }

    @Test
    void stridedConvAndBatchedMatMul() {
        Graph g = new Graph("strided");
        Value x = g.input("x", DType.F32, 1, 3, 9, 9);
        Value y = g.conv(x, g.constant(new float[5 * 3 * 3 * 3], 5, 3, 3, 3), Graph.NONE, 2, 1);    // (1, 5, 5, 5)
        Value a = g.input("a", DType.F32, 4, 2, 3);
        g.output("y", y);
        g.output("z", g.matmul(a, g.constant(new float[3 * 7], 3, 7)));                            // (4, 2, 7)
        FlopCounter.Count c = FlopCounter.count(g.build(), Map.of("x", new long[] {1, 3, 9, 9}, "a",
                new long[] {4, 2, 3}));
        assertEquals(2L * 3 * 5 * 9 * 25, c.byOp().get("Conv"));
        assertEquals(2L * 4 * 2 * 3 * 7, c.byOp().get("MatMul"));
    }

    @Test
    void anOpWithoutAShapeRuleIsAnError() {
        Graph g = new Graph("unknown");
        Value x = g.input("x", DType.F32, 2, 2);
        g.output("y", g.node("Celu", List.of(x), List.of()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FlopCounter.count(g.build(), Map.of("x", new long[] {2, 2})));
        assertTrue(e.getMessage().contains("no shape rule for op :Celu"), e.getMessage());
    }

    @Test
    void temporalConvOverFramesIsAFiveDimensionalConv() {
        Graph g = new Graph("temporal");
        Value x = g.input("x", DType.F32, "batch", 6, "frames", "h", "w");
        Value w = g.constant(new float[6 * 6 * 3], 6, 6, 3, 1, 1);                                   // (3, 1, 1) over F
        Value y = g.node("Conv", List.of(x, w), List.of(Attr.ints("pads", 1, 0, 0, 1, 0, 0)));      // (B, 6, F, H, W)
        g.output("y", g.reshape(y, 0, 0, -1));
        FlopCounter.Count c = FlopCounter.count(g.build(), Map.of("x", new long[] {2, 6, 8, 4, 5}));
        assertEquals(2L * 6 * 3 * 6 * (2 * 8 * 4 * 5), c.byOp().get("Conv"));
    }

    @Test
    void everyOpOfTheUNet3DGraphHasAShapeRule(@TempDir Path dir) throws Exception {
        Path video = TinyModels.videoModel(dir.resolve("video"), 1);
        Model m = UNet3DConditionModel.load(video.resolve("unet"), Engine.cpu()).graph();
        FlopCounter.Count c = FlopCounter.count(m, Map.of("sample", new long[] {2, 4, 3, 16, 16}, "timestep",
                new long[] {2}, "encoder_hidden_states", new long[] {2, 77, 32}));
        assertTrue(c.byOp().get("Conv") > 0 && c.byOp().get("MultiHeadAttention") > 0, c.toString());
    }
}
