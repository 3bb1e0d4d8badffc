package org.bivdiff.schedulers;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers 0.23 {@code schedulers/scheduling_pndm.py::PNDMScheduler} in its PLMS form
 * ({@code skip_prk_steps = true}, as Stable Diffusion 1.x ships it; Liu et al., "Pseudo Numerical Methods
 * for Diffusion Models on Manifolds"). The Runge-Kutta warm-up is not implemented: the config reader
 * rejects {@code skip_prk_steps = false}.
 *
 * <p>N steps give N + 1 timesteps with the second one repeated (901, 801, 801, 701, ...): the first two
 * steps form a pseudo improved Euler step from the first sample, then the linear multistep formula uses
 * up to four past model outputs ("ets"). The history lives in the {@link Sampler}.
 */
public final class PndmScheduler extends AbstractScheduler {

    private final NoiseSchedule schedule;

    private PndmScheduler(SchedulerConfig config, int numInferenceSteps) {
        super(config, numInferenceSteps, Steps.checkRange(plmsTimesteps(config, numInferenceSteps), config));
        this.schedule = NoiseSchedule.of(config);
    }

    /** PLMS over {@code numInferenceSteps} steps. */
    public static PndmScheduler create(SchedulerConfig config, int numInferenceSteps) {
        Steps.checkInferenceSteps(config, numInferenceSteps);
        if (config.predictionType() == PredictionType.SAMPLE) {
            throw new IllegalArgumentException("PNDMScheduler supports prediction_type epsilon or v_prediction only");
        }
        return new PndmScheduler(config, numInferenceSteps);
    }

    /**
     * diffusers' {@code set_timesteps} with skip_prk_steps: ascending base timesteps (DDIM's, reversed),
     * second-to-last repeated, reversed.
     */
    static double[] plmsTimesteps(SchedulerConfig c, int n) {
        double[] base = NumpyMath.reversed(DdimScheduler.timesteps(c, n));
        List<Double> plms = new ArrayList<>();
        for (int i = 0; i < base.length - 1; i++) {
            plms.add(base[i]);
        }
        if (base.length >= 2) {
            plms.add(base[base.length - 2]);
        }
        plms.add(base[base.length - 1]);
        double[] out = new double[plms.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = plms.get(out.length - 1 - i);
        }
        return out;
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, double timestep) {
        return Steps.addNoise(schedule, original, noise, Steps.integral(timestep));
    }

    @Override
    public boolean needsNoise() {
        return false;
    }

    @Override
    public Sampler sampler() {
        return new Plms();
    }

    /**
     * diffusers' {@code _get_prev_sample}, eq. (9) of the PNDM paper: x_prev = sqrt(alpha_prod_prev /
     * alpha_prod_t) x_t - (alpha_prod_prev - alpha_prod_t) eps / (alpha_prod_t sqrt(beta_prod_prev)
     * + sqrt(alpha_prod_t beta_prod_t alpha_prod_prev)).
     */
    private Tensor prevSample(Tensor sample, int t, int prev, Tensor modelOutput) {
        double alphaProdT = schedule.alphaProd(t);
        double alphaProdTPrev = schedule.alphaProdOrFinal(prev, config.setAlphaToOne());
        double betaProdT = 1 - alphaProdT;
        double betaProdTPrev = 1 - alphaProdTPrev;
        Tensor eps = config.predictionType() == PredictionType.V_PREDICTION
                ? Elementwise.combine(Math.sqrt(alphaProdT), modelOutput, Math.sqrt(betaProdT), sample)
                : modelOutput;
        double sampleCoeff = Math.sqrt(alphaProdTPrev / alphaProdT);
        double denom = alphaProdT * Math.sqrt(betaProdTPrev) + Math.sqrt(alphaProdT * betaProdT * alphaProdTPrev);
        return Elementwise.combine(sampleCoeff, sample, -(alphaProdTPrev - alphaProdT) / denom, eps);
    }

    /** One PLMS run: the model-output history "ets", the step counter and the first step's sample. */
    private final class Plms implements Sampler {

        private final List<Tensor> ets = new ArrayList<>();
        private int counter;
        private Tensor curSample;

        @Override
        public StepOutput step(Tensor modelOutput, double timestep, Tensor sample, Tensor noise) {
            Elementwise.requireSameShape(modelOutput, sample, "model output and sample");
            int t = Steps.integral(timestep);
            int prev = t - config.numTrainTimesteps() / numInferenceSteps();
            if (counter != 1) {
                while (ets.size() > 3) {
                    ets.removeFirst();
                }
                ets.add(modelOutput);
            } else {
                // the repeated timestep: redo the first step from its sample with the averaged output
                prev = t;
                t = t + config.numTrainTimesteps() / numInferenceSteps();
            }
            Tensor eps;
            int n = ets.size();
            if (n == 1 && counter == 0) {
                eps = modelOutput;
                curSample = sample;
            } else if (n == 1 && counter == 1) {
                eps = Elementwise.combine(0.5, modelOutput, 0.5, ets.getLast());
                sample = curSample;
                curSample = null;
            } else if (n == 2) {
                eps = Elementwise.linearCombination(new double[] {3 / 2.0, -1 / 2.0}, List.of(ets.get(1), ets.get(0)));
            } else if (n == 3) {
                eps = Elementwise.linearCombination(new double[] {23 / 12.0, -16 / 12.0, 5 / 12.0},
                        List.of(ets.get(2), ets.get(1), ets.get(0)));
            } else {
                eps = Elementwise.linearCombination(new double[] {55 / 24.0, -59 / 24.0, 37 / 24.0, -9 / 24.0},
                        List.of(ets.get(3), ets.get(2), ets.get(1), ets.get(0)));
            }
            counter++;
            return new StepOutput(prevSample(sample, t, prev, eps), null);
        }
    }
}
