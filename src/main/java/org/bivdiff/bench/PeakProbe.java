package org.bivdiff.bench;

import java.util.Map;
import java.util.SplittableRandom;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Network;
import org.bivdiff.graph.Value;
import org.bivdiff.io.DType;
import org.bivdiff.tensor.Tensor;

/**
 * The machine's attainable fp32 rate, measured rather than assumed: an ONNX Runtime graph of
 * {@value #CHAIN} chained {@code n x n x n} MatMuls against a constant (prepacked, as model weights
 * are), best of several calls. Chaining keeps the cost of copying the input and output in and out
 * of the session under a few percent.
 */
public final class PeakProbe {

    static final int CHAIN = 4;

    /**
     * @param gflops  the best rate seen
     * @param size    n of the n x n x n products
     * @param seconds the best call's wall time
     */
    public record Result(double gflops, int size, double seconds) {
    }

    private PeakProbe() {
    }

    /**
     * Runs the probe: one warm-up call, then the best of {@code calls}.
     *
     * @param size n, e.g. 2048 (69 GFLOP a call)
     */
    public static Result measure(Engine engine, int size, int calls) {
        if (size < 1 || calls < 1) {
            throw new IllegalArgumentException("probe size and calls must be positive, got " + size + ", " + calls);
        }
        SplittableRandom r = new SplittableRandom(7);
        float[] w = new float[size * size];
        double std = 1 / Math.sqrt(size);                     // keeps the chained products in range
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (std * r.nextGaussian());
        }
        Graph g = new Graph("peak_probe_" + size);
        Value x = g.input("x", DType.F32, size, size);
        Value weight = g.constant(w, size, size);
        Value y = x;
        for (int i = 0; i < CHAIN; i++) {
            y = g.matmul(y, weight);                          // (n, n)
        }
        g.output("y", y);
        float[] xs = new float[size * size];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) r.nextGaussian();
        }
        Map<String, Tensor> feed = Map.of("x", Tensor.of(xs, size, size));
        double flops = 2.0 * CHAIN * size * (double) size * size;
        try (Network net = engine.load(g.build())) {
            net.run(feed);
            long best = Long.MAX_VALUE;
            for (int i = 0; i < calls; i++) {
                long t0 = System.nanoTime();
                net.run(feed);
                best = Math.min(best, System.nanoTime() - t0);
            }
            return new Result(flops / best, size, best / 1e9);
        }
    }
}
