package org.bivdiff.schedulers;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers 0.23 {@code schedulers/scheduling_lms_discrete.py::LMSDiscreteScheduler} (linear
 * multistep, order 4, k-diffusion's {@code sample_lms}): with d_j = (x_j - x_0,j) / sigma_j the derivative
 * at step j,
 * <pre>
 *   x_prev = x + sum_{k < order} c_k d_{i-k},   c_k = integral over [sigma_i, sigma_{i+1}] of the
 *            Lagrange basis polynomial l_k(tau) through sigma_i, ..., sigma_{i-order+1}
 * </pre>
 * with order = min(i + 1, 4). diffusers integrates numerically ({@code scipy.integrate.quad}, epsrel 1e-4);
 * we integrate the polynomial exactly. The derivative history lives in the {@link Sampler}.
 */
public final class LmsDiscreteScheduler extends DiscreteSigmaScheduler {

    /** The order diffusers' {@code step} uses by default. */
    public static final int ORDER = 4;

    private LmsDiscreteScheduler(SchedulerConfig config, int numInferenceSteps) {
        super(config, numInferenceSteps);
    }

    /** LMS over {@code numInferenceSteps} steps. */
    public static LmsDiscreteScheduler create(SchedulerConfig config, int numInferenceSteps) {
        return new LmsDiscreteScheduler(config, numInferenceSteps);
    }

    @Override
    public boolean needsNoise() {
        return false;
    }

    @Override
    public Sampler sampler() {
        return new Run();
    }

    /**
     * The coefficients c_0..c_{order-1} step {@code stepIndex} uses, order = min(stepIndex + 1, {@link #ORDER})
     * (diffusers' {@code get_lms_coefficient(order, t, k)} for k < order).
     */
    public double[] lmsCoefficients(int stepIndex) {
        int order = Math.min(stepIndex + 1, ORDER);
        double[] c = new double[order];
        for (int k = 0; k < order; k++) {
            c[k] = lagrangeIntegral(order, stepIndex, k);
        }
        return c;
    }

    /** integral_{sigma_t}^{sigma_{t+1}} prod_{j != k, j < order} (tau - sigma_{t-j}) / (sigma_{t-k} - sigma_{t-j}) dtau. */
    private double lagrangeIntegral(int order, int t, int k) {
        double[] poly = {1.0}; // coefficients of tau^0, tau^1, ...
        for (int j = 0; j < order; j++) {
            if (j == k) {
                continue;
            }
            double root = sigma(t - j);
            double denom = sigma(t - k) - root;
            double[] next = new double[poly.length + 1];
            for (int p = 0; p < poly.length; p++) {
                next[p + 1] += poly[p] / denom;
                next[p] -= poly[p] * root / denom;
            }
            poly = next;
        }
        double a = sigma(t);
        double b = sigma(t + 1);
        double integral = 0;
        for (int p = 0; p < poly.length; p++) {
            integral += poly[p] * (Math.pow(b, p + 1) - Math.pow(a, p + 1)) / (p + 1);
        }
        return integral;
    }

    /** One LMS run: the step index and the last {@link #ORDER} derivatives. */
    private final class Run implements Sampler {

        private final List<Tensor> derivatives = new ArrayList<>();
        private int stepIndex = -1;

        @Override
        public StepOutput step(Tensor modelOutput, double timestep, Tensor sample, Tensor noise) {
            Elementwise.requireSameShape(modelOutput, sample, "model output and sample");
            stepIndex = stepIndex < 0 ? indexOf(timestep) : stepIndex + 1;
            Steps.checkNext("LMS", timesteps(), stepIndex, timestep);
            double sigma = sigma(stepIndex);
            Tensor predOriginal = predOriginalSample(modelOutput, sample, sigma);
            derivatives.add(Elementwise.map2(sample, predOriginal, (x, x0) -> (x - x0) / sigma));
            if (derivatives.size() > ORDER) {
                derivatives.removeFirst();
            }
            double[] c = lmsCoefficients(stepIndex);
            // zip(coefficients, reversed(derivatives)): the newest derivative pairs with c_0
            int terms = Math.min(c.length, derivatives.size());
            List<Tensor> xs = new ArrayList<>();
            double[] coeffs = new double[terms + 1];
            xs.add(sample);
            coeffs[0] = 1.0;
            for (int k = 0; k < terms; k++) {
                xs.add(derivatives.get(derivatives.size() - 1 - k));
                coeffs[k + 1] = c[k];
            }
            return new StepOutput(Elementwise.linearCombination(coeffs, xs), predOriginal);
        }
    }
}
