package org.bivdiff.pipelines;

import java.util.Arrays;

import org.bivdiff.tensor.Tensor;

/**
 * Every random draw of one image-pipeline run, by purpose, so that a run is reproducible and tests can inject
 * the reference's draws: the initial latents, the VAE's {@code latent_dist.sample()} draws, and the per-step
 * draws of ancestral / eta > 0 schedulers (index = step index).
 *
 * @param latents draw 0: the initial noise x_T, (F, 4, h, w), before {@code init_noise_sigma}
 * @param vae     draw k: the k-th VAE posterior sample of the run (the masked image of inpainting is 0)
 * @param steps   draw i: the scheduler noise of step i
 */
public record RunNoise(StepNoise latents, StepNoise vae, StepNoise steps) {

    /** Independent seeded streams for the three purposes. */
    public static RunNoise seeded(long seed) {
        return new RunNoise(StepNoise.seeded(seed), StepNoise.seeded(seed ^ 0x5DEECE66DL),
                StepNoise.seeded(seed ^ 0x2545F4914F6CDD1DL));
    }

    /** This run with explicit initial latents. */
    public RunNoise withLatents(Tensor initial) {
        return new RunNoise(given(initial, "initial latents"), vae, steps);
    }

    /** This run with an explicit VAE draw (for every VAE sample of the run). */
    public RunNoise withVae(Tensor draw) {
        return new RunNoise(latents, given(draw, "VAE noise"), steps);
    }

    /** This run with explicit per-step draws, stacked (n_steps, ...). */
    public RunNoise withSteps(Tensor stacked) {
        return new RunNoise(latents, vae, perStep(stacked));
    }

    /**
     * This run's draws for the rows {@code [from, from + n)} of a batch, n being the first dimension each draw asks
     * for: every stream is asked for {@code from + n} rows and the last n are kept. Seeded streams fill a draw
     * element by element, so the kept rows are exactly rows {@code [from, from + n)} of a draw over all the rows:
     * frames made in batches see the noise they would see made all at once.
     */
    public RunNoise rows(int from) {
        if (from < 0) {
            throw new IllegalArgumentException("first row must be >= 0, got " + from);
        }
        return from == 0 ? this : new RunNoise(rows(latents, from), rows(vae, from), rows(steps, from));
    }

    private static StepNoise rows(StepNoise stream, int from) {
        return (index, shape) -> {
            int[] all = shape.clone();
            all[0] = Math.addExact(from, shape[0]);
            return stream.draw(index, all).slice0(from, all[0]);
        };
    }

    /** A source that always returns {@code fixed}, which must have the shape asked for. */
    public static StepNoise given(Tensor fixed, String what) {
        return (index, shape) -> {
            if (!Arrays.equals(shape, fixed.shape())) {
                throw new IllegalArgumentException(what + " have shape " + Arrays.toString(fixed.shape())
                        + " but the run needs " + Arrays.toString(shape));
            }
            return fixed;
        };
    }

    /** Draw i is row i of {@code stacked} (n, ...), which must have the shape asked for after the first dimension. */
    public static StepNoise perStep(Tensor stacked) {
        return (index, shape) -> {
            int[] s = stacked.shape();
            if (index >= s[0] || !Arrays.equals(shape, Arrays.copyOfRange(s, 1, s.length))) {
                throw new IllegalArgumentException("per-step noise " + Arrays.toString(s) + " has no draw " + index
                        + " of shape " + Arrays.toString(shape));
            }
            return stacked.slice0(index, index + 1).reshape(shape);
        };
    }
}
