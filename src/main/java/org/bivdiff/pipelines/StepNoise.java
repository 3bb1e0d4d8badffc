package org.bivdiff.pipelines;

import java.util.SplittableRandom;

import org.bivdiff.tensor.Tensor;

/**
 * The random draws of a run, always explicit: initial latents, VAE sampling and the per-step noise of
 * ancestral / eta > 0 schedulers come from here, never from global state. Tests inject the
 * reference's draws; users get {@link #seeded(long)}.
 */
@FunctionalInterface
public interface StepNoise {

    /** A standard-normal tensor of {@code shape} for draw number {@code index} of the run. */
    Tensor draw(int index, int... shape);

    /**
     * Deterministic standard-normal draws: draw {@code index} depends only on the seed and the index,
     * so a resumed run sees the same noise as an uninterrupted one.
     */
    static StepNoise seeded(long seed) {
        return (index, shape) -> {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
            Tensor t = Tensor.zeros(shape);
            float[] d = t.data();
            for (int i = 0; i < d.length; i += 2) {
                // Box-Muller: two independent normals from two uniforms in (0, 1].
                double u1 = 1.0 - r.nextDouble();
                double u2 = r.nextDouble();
                double radius = Math.sqrt(-2 * Math.log(u1));
                d[i] = (float) (radius * Math.cos(2 * Math.PI * u2));
                if (i + 1 < d.length) {
                    d[i + 1] = (float) (radius * Math.sin(2 * Math.PI * u2));
                }
            }
            return t;
        };
    }

    /** Fails on any draw: for runs that must not need randomness. */
    StepNoise NONE = (index, shape) -> {
        throw new IllegalStateException("this run was given no noise source, but draw " + index + " was requested");
    };
}
