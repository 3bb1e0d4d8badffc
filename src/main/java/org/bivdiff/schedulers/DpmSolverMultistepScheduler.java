package org.bivdiff.schedulers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers 0.23 {@code schedulers/scheduling_dpmsolver_multistep.py::DPMSolverMultistepScheduler}
 * for {@code algorithm_type} dpmsolver++ / dpmsolver and {@code solver_order} 1 or 2 (Lu et al.,
 * "DPM-Solver++"; order 2 with dpmsolver++ and midpoint is "DPM++ 2M"). With alpha_t = 1 / sqrt(sigma^2 + 1),
 * sigma_t = sigma alpha_t, lambda = log(alpha_t) - log(sigma_t), h = lambda_t - lambda_s0 and the data
 * predictions m0 (this step) and m1 (the previous one), dpmsolver++ midpoint is
 * <pre>
 *   x_t = (sigma_t / sigma_s0) x - alpha_t (e^{-h} - 1) D0 - 0.5 alpha_t (e^{-h} - 1) D1,
 *   D0 = m0,  D1 = (m0 - m1) / r0,  r0 = (lambda_s0 - lambda_s1) / h
 * </pre>
 * The first step, and the last one when {@code lower_order_final} and fewer than 15 steps, are first
 * order. The model-output history lives in the {@link Sampler}.
 */
public final class DpmSolverMultistepScheduler extends AbstractScheduler implements SigmaScheduler {

    private final DpmSolverOptions options;
    private final float[] sigmas;

    private DpmSolverMultistepScheduler(SchedulerConfig config, double[] timesteps, float[] sigmas) {
        // N is the number of timesteps: diffusers resets num_inference_steps to it.
        super(config, timesteps.length, timesteps);
        this.options = config.dpmSolver();
        this.sigmas = sigmas;
    }

    /** DPM-Solver over {@code numInferenceSteps} steps. */
    public static DpmSolverMultistepScheduler create(SchedulerConfig config, int numInferenceSteps) {
        Steps.checkInferenceSteps(config, numInferenceSteps);
        NoiseSchedule schedule = NoiseSchedule.of(config);
        float[] train = schedule.trainSigmas();
        double[] ts = Steps.checkRange(spacedTimesteps(config, schedule, numInferenceSteps), config);
        double[] sig = new double[ts.length];
        double last;
        if (config.useKarrasSigmas()) {
            double[] logSigmas = NumpyMath.logFloat32(train);
            sig = KarrasSigmas.ramp(train[0], train[train.length - 1], numInferenceSteps);
            ts = new double[sig.length];
            for (int i = 0; i < sig.length; i++) {
                ts[i] = Math.rint(KarrasSigmas.sigmaToT(sig[i], logSigmas));
            }
            last = sig[sig.length - 1];
        } else {
            for (int i = 0; i < ts.length; i++) {
                sig[i] = NumpyMath.interpOnIndex(ts[i], train);
            }
            last = train[0];
        }
        float[] sigmas = new float[sig.length + 1];
        for (int i = 0; i < sig.length; i++) {
            sigmas[i] = (float) sig[i];
        }
        sigmas[sig.length] = (float) last;
        return new DpmSolverMultistepScheduler(config, ts, sigmas);
    }

    /** diffusers' {@code set_timesteps} before sigmas: N integer timesteps below the lambda clip. */
    private static double[] spacedTimesteps(SchedulerConfig c, NoiseSchedule schedule, int n) {
        int lastTimestep = c.numTrainTimesteps() - clippedCount(schedule, c.dpmSolver().lambdaMinClipped());
        return switch (c.timestepSpacing()) {
            case LINSPACE -> dropLast(NumpyMath.reversed(NumpyMath.round(NumpyMath.linspace(0, lastTimestep - 1, n + 1))));
            case LEADING -> {
                // (arange(N + 1) * (last // (N + 1)))[::-1][:-1] + steps_offset
                int ratio = lastTimestep / (n + 1);
                double[] ts = new double[n];
                for (int i = 0; i < n; i++) {
                    ts[i] = (double) (n - i) * ratio + c.stepsOffset();
                }
                yield ts;
            }
            case TRAILING -> {
                double[] ts = NumpyMath.round(NumpyMath.arange(lastTimestep, 0, -(double) c.numTrainTimesteps() / n));
                for (int i = 0; i < ts.length; i++) {
                    ts[i] -= 1;
                }
                yield ts;
            }
        };
    }

    /** {@code searchsorted(flip(lambda_t), lambda_min_clipped)}: how many training lambdas lie below the clip. */
    private static int clippedCount(NoiseSchedule schedule, double lambdaMin) {
        float[] acp = schedule.alphasCumprod();
        int count = 0;
        for (float a : acp) {
            float alphaT = (float) Math.sqrt(a);
            float sigmaT = (float) Math.sqrt(1f - a);
            if ((float) Math.log(alphaT) - (float) Math.log(sigmaT) < lambdaMin) {
                count++;
            }
        }
        return count;
    }

    private static double[] dropLast(double[] x) {
        return Arrays.copyOf(x, x.length - 1);
    }

    @Override
    public float[] sigmas() {
        return sigmas.clone();
    }

    /** alpha_t x_0 + sigma_t noise at the timestep's sigma. */
    @Override
    public Tensor addNoise(Tensor original, Tensor noise, double timestep) {
        double sigma = sigmas[indexOf(timestep)];
        double alphaT = 1 / Math.sqrt(sigma * sigma + 1);
        return Elementwise.combine(alphaT, original, sigma * alphaT, noise);
    }

    @Override
    public boolean needsNoise() {
        return false;
    }

    @Override
    public Sampler sampler() {
        return new Run();
    }

    /** alpha_t = 1 / sqrt(sigma^2 + 1). */
    private double alphaAt(int i) {
        double s = sigmas[i];
        return 1 / Math.sqrt(s * s + 1);
    }

    /** sigma_t = sigma alpha_t. */
    private double sigmaAt(int i) {
        return sigmas[i] * alphaAt(i);
    }

    /** lambda = log(alpha_t) - log(sigma_t). */
    private double lambdaAt(int i) {
        return Math.log(alphaAt(i)) - Math.log(sigmaAt(i));
    }

    /** diffusers' {@code convert_model_output}: x_0 (dpmsolver++) or epsilon (dpmsolver) at step {@code i}. */
    private Tensor convertModelOutput(Tensor modelOutput, Tensor sample, int i) {
        double a = alphaAt(i);
        double s = sigmaAt(i);
        boolean dataPrediction = options.algorithmType() == DpmSolverOptions.AlgorithmType.DPMSOLVER_PLUS_PLUS;
        return switch (config.predictionType()) {
            case EPSILON -> dataPrediction ? Elementwise.combine(1 / a, sample, -s / a, modelOutput) : modelOutput;
            case SAMPLE -> dataPrediction ? modelOutput : Elementwise.combine(1 / s, sample, -a / s, modelOutput);
            case V_PREDICTION -> dataPrediction ? Elementwise.combine(a, sample, -s, modelOutput)
                    : Elementwise.combine(a, modelOutput, s, sample);
        };
    }

    /**
     * The update from step {@code i} to i + 1 as coefficients of (x, m0, m1): the first-order update, or
     * with {@code secondOrder} the multistep second-order one (midpoint or Heun).
     */
    private double[] updateCoefficients(int i, boolean secondOrder) {
        double alphaT = alphaAt(i + 1);
        double sigmaT = sigmaAt(i + 1);
        double h = lambdaAt(i + 1) - lambdaAt(i);
        boolean dataPrediction = options.algorithmType() == DpmSolverOptions.AlgorithmType.DPMSOLVER_PLUS_PLUS;
        double cx = dataPrediction ? sigmaT / sigmaAt(i) : alphaT / alphaAt(i);
        double phi = dataPrediction ? -alphaT * (Math.exp(-h) - 1.0) : -sigmaT * (Math.exp(h) - 1.0);
        if (!secondOrder) {
            return new double[] {cx, phi, 0};
        }
        double r0 = (lambdaAt(i) - lambdaAt(i - 1)) / h;
        double cD1 = switch (options.solverType()) {
            case MIDPOINT -> 0.5 * phi;
            case HEUN -> dataPrediction ? alphaT * ((Math.exp(-h) - 1.0) / h + 1.0)
                    : -sigmaT * ((Math.exp(h) - 1.0) / h - 1.0);
        };
        // D1 = (m0 - m1) / r0
        return new double[] {cx, phi + cD1 / r0, -cD1 / r0};
    }

    /** One run: the step index, the last {@code solver_order} converted outputs and the lower-order count. */
    private final class Run implements Sampler {

        private final List<Tensor> modelOutputs = new ArrayList<>();
        private int lowerOrderNums;
        private int stepIndex = -1;

        @Override
        public StepOutput step(Tensor modelOutput, double timestep, Tensor sample, Tensor noise) {
            Elementwise.requireSameShape(modelOutput, sample, "model output and sample");
            if (stepIndex < 0) {
                stepIndex = firstIndex(timestep);
            } else {
                Steps.checkNext("DPM-Solver", timesteps, ++stepIndex, timestep);
            }
            int n = timesteps.length;
            boolean lowerOrderFinal = stepIndex == n - 1
                    && (options.eulerAtFinal() || (options.lowerOrderFinal() && n < 15));
            Tensor converted = convertModelOutput(modelOutput, sample, stepIndex);
            modelOutputs.add(converted);
            if (modelOutputs.size() > options.solverOrder()) {
                modelOutputs.removeFirst();
            }
            boolean firstOrder = options.solverOrder() == 1 || lowerOrderNums < 1 || lowerOrderFinal;
            double[] c = updateCoefficients(stepIndex, !firstOrder);
            Tensor prev = firstOrder ? Elementwise.combine(c[0], sample, c[1], converted)
                    : Elementwise.linearCombination(c, List.of(sample, converted, modelOutputs.getFirst()));
            lowerOrderNums = Math.min(lowerOrderNums + 1, options.solverOrder());
            Tensor predOriginal = options.algorithmType() == DpmSolverOptions.AlgorithmType.DPMSOLVER_PLUS_PLUS
                    ? converted
                    : Elementwise.combine(1 / alphaAt(stepIndex), sample, -sigmaAt(stepIndex) / alphaAt(stepIndex),
                            converted);
            return new StepOutput(prev, predOriginal);
        }

        /** diffusers' {@code _init_step_index}: an unknown timestep starts at the last step. */
        private int firstIndex(double timestep) {
            for (double t : timesteps) {
                if (t == timestep) {
                    return Steps.indexOf(timesteps, timestep);
                }
            }
            return timesteps.length - 1;
        }
    }
}
