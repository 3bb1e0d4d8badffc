package org.bivdiff.graph;

import java.util.Map;
import java.util.Random;

import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.io.DType;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Tier 0: the fused {@code MultiHeadAttention} forms of {@link Graph} against a direct softmax(QK^T)V in Java. */
class AttentionOpTest {

    private static final int B = 2;
    private static final int S = 5;
    private static final int HEADS = 2;
    private static final int D = 3;
    private static final float SCALE = 0.7f;

    @Test
    void plainAttentionMatchesReference() {
        check(Mode.PLAIN);
    }

    @Test
    void additiveMaskIsAddedToTheLogits() {
        check(Mode.MASK);
    }

    @Test
    void causalAttentionSeesOnlyEarlierPositions() {
        check(Mode.CAUSAL);
    }

    private enum Mode { PLAIN, MASK, CAUSAL }

    private static void check(Mode mode) {
        Random rnd = new Random(7);
        Tensor q = random(rnd);
        Tensor k = random(rnd);
        Tensor v = random(rnd);
        float[] mask = new float[S * S];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = mode == Mode.MASK ? (float) rnd.nextGaussian() : 0f;
        }
        Graph g = new Graph("attention_" + mode);
        Value gq = g.input("q", DType.F32, "batch", "seq", HEADS * D);
        Value gk = g.input("k", DType.F32, "batch", "seq", HEADS * D);
        Value gv = g.input("v", DType.F32, "batch", "seq", HEADS * D);
        Value out = switch (mode) {
            case PLAIN -> g.attention(gq, gk, gv, HEADS, SCALE);
            case MASK -> g.attention(gq, gk, gv, g.constant(mask, 1, 1, S, S), HEADS, SCALE);
            case CAUSAL -> g.causalAttention(gq, gk, gv, HEADS, SCALE);
        };
        g.output("out", out);
        try (Network n = Engine.cpu().load(g.build())) {
            Tensor actual = n.run(Map.of("q", q, "k", k, "v", v)).get("out");
            TensorAssert.assertClose(reference(q, k, v, mask, mode == Mode.CAUSAL), actual, 1e-6, 1e-5, mode.name());
        }
    }

    private static Tensor random(Random rnd) {
        float[] d = new float[B * S * HEADS * D];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return Tensor.of(d, B, S, HEADS * D);
    }

    /** softmax(scale * q k^T + mask) v per batch element and head; q, k, v: (B, S, heads * D). */
    private static Tensor reference(Tensor q, Tensor k, Tensor v, float[] mask, boolean causal) {
        float[] out = new float[B * S * HEADS * D];
        int w = HEADS * D;
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < HEADS; h++) {
                for (int i = 0; i < S; i++) {
                    double[] logits = new double[S];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < S; j++) {
                        double dot = 0;
                        for (int c = 0; c < D; c++) {
                            dot += (double) q.data()[(b * S + i) * w + h * D + c] * k.data()[(b * S + j) * w + h * D + c];
                        }
                        logits[j] = causal && j > i ? Double.NEGATIVE_INFINITY : SCALE * dot + mask[i * S + j];
                        max = Math.max(max, logits[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < S; j++) {
                        logits[j] = Math.exp(logits[j] - max);
                        sum += logits[j];
                    }
                    for (int c = 0; c < D; c++) {
                        double acc = 0;
                        for (int j = 0; j < S; j++) {
                            acc += logits[j] / sum * v.data()[(b * S + j) * w + h * D + c];
                        }
                        out[(b * S + i) * w + h * D + c] = (float) acc;
                    }
                }
            }
        }
        return Tensor.of(out, B, S, w);
    }

}
