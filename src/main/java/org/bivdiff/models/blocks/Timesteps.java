package org.bivdiff.models.blocks;

import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.io.DType;

/**
 * Port of diffusers models/embeddings.py::Timesteps (get_timestep_embedding): the sinusoidal
 * embedding of a timestep per batch element, computed in float32 in the graph as diffusers does
 * (also in its float64 runs): {@code exp(-ln(10000) * i / (half - shift))}, times the timestep, then
 * {@code [sin, cos]}, or {@code [cos, sin]} with {@code flip_sin_to_cos}. No weights.
 */
public final class Timesteps {

    private static final double MAX_PERIOD = 10000;

    private final int numChannels;
    private final boolean flipSinToCos;
    private final float downscaleFreqShift;

    /**
     * @param numChannels        embedding width
     * @param flipSinToCos       cosines first
     * @param downscaleFreqShift {@code freq_shift} of the UNet config
     */
    public Timesteps(int numChannels, boolean flipSinToCos, double downscaleFreqShift) {
        if (numChannels < 2) {
            throw new IllegalArgumentException("timestep embedding width must be >= 2, got " + numChannels);
        }
        this.numChannels = numChannels;
        this.flipSinToCos = flipSinToCos;
        this.downscaleFreqShift = (float) downscaleFreqShift;
    }

    public int numChannels() {
        return numChannels;
    }

    /**
     * timesteps: (N) float32 -> (N, numChannels) in the graph's compute type. The sinusoids are
     * computed in float32 whatever the graph computes in, as diffusers does before casting the
     * embedding to the UNet's dtype: a float16 argument would be off by up to 0.5 at t near 1000.
     */
    public Value forward(Graph g, Value timesteps) {
        int half = numChannels / 2;
        // torch: -math.log(max_period) * arange(half, float32), a float32 product
        float negLog = (float) -Math.log(MAX_PERIOD);
        float[] exponent = new float[half];
        for (int i = 0; i < half; i++) {
            exponent[i] = negLog * (float) i;
        }
        Value e = g.div(g.constant(DType.F32, exponent, 1, half), g.scalar(DType.F32, half - downscaleFreqShift));
        Value freqs = g.exp(e);                                                      // (1, half)
        Value args = g.mul(g.unsqueeze(timesteps, 1), freqs);                        // (N, half)
        Value sin = g.node("Sin", List.of(args), List.of());
        Value cos = g.node("Cos", List.of(args), List.of());
        Value emb = flipSinToCos ? g.concat(1, cos, sin) : g.concat(1, sin, cos);  // (N, 2 * half)
        if (numChannels % 2 == 1) {
            emb = g.node("Pad", List.of(emb, g.longs(0, 0, 0, 1)), List.of());
        }
        return g.toCompute(emb);
    }
}
