package org.bivdiff.conformance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import org.bivdiff.io.ConfigJson;
import org.bivdiff.schedulers.DdimInversion;
import org.bivdiff.schedulers.DdimScheduler;
import org.bivdiff.schedulers.LmsDiscreteScheduler;
import org.bivdiff.schedulers.Sampler;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.schedulers.SchedulerKind;
import org.bivdiff.schedulers.Schedulers;
import org.bivdiff.schedulers.SigmaScheduler;
import org.bivdiff.schedulers.StepOutput;
import org.bivdiff.tensor.Tensor;

/** Golden cases of the schedulers: {@code ddim} (single steps) and the {@code sched_*} analytic-model loops. */
final class SchedulerCases {

    /** The analytic model of the sched_* cases, as their {@code args.model} spells it. */
    private static final String ANALYTIC_MODEL = "eps = (x_in * t) / (t + 1)";

    private SchedulerCases() {
    }

    /**
     * {@code ddim}: timesteps, alphas_cumprod, single DDIM steps (epsilon and v_prediction), BIVDiff's
     * reverse_step at each of {@code args.step_timesteps}, and one step of a second step count. That count
     * is only spelled in the output names ({@code steps<k>_prev_sample_t<t>}), so it is read from there.
     */
    static void ddim(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        int n = args.path("num_inference_steps").intValue();
        double eta = args.path("eta").doubleValue();
        SchedulerConfig cfg = SchedulerConfig.read(ctx.path("scheduler_config"), SchedulerKind.DDIM);
        SchedulerConfig vpredCfg = SchedulerConfig.read(ctx.path("scheduler_config_vpred"), SchedulerKind.DDIM);
        DdimScheduler s = DdimScheduler.create(cfg, n, eta);
        DdimScheduler vpred = DdimScheduler.create(vpredCfg, n, eta);
        DdimInversion bivdiff = DdimInversion.create(cfg, n, DdimInversion.InversionKind.BIVDIFF_REVERSE_STEP);
        Tensor sample = ctx.tensor("sample");
        Tensor modelOutput = ctx.tensor("model_output");

        ctx.check("timesteps_" + n, vector(s.timesteps()));
        float[] acp = s.noiseSchedule().alphasCumprod();
        ctx.check("alphas_cumprod", Tensor.of(acp, acp.length));
        for (JsonNode tn : args.path("step_timesteps")) {
            int t = tn.intValue();
            StepOutput r = s.step(modelOutput, t, sample, null);
            ctx.check("prev_sample_t" + t, r.prevSample());
            ctx.check("pred_original_sample_t" + t, r.predOriginalSample());
            ctx.check("reverse_next_sample_t" + t, bivdiff.step(modelOutput, t, sample).nextSample());
            StepOutput v = vpred.step(modelOutput, t, sample, null);
            ctx.check("vpred_prev_sample_t" + t, v.prevSample());
            ctx.check("vpred_pred_original_sample_t" + t, v.predOriginalSample());
        }
        int t2 = args.path("steps10_timestep").intValue();
        Pattern p = Pattern.compile("steps(\\d+)_prev_sample_t" + t2);
        for (String name : ctx.spec().outputs().keySet()) {
            Matcher m = p.matcher(name);
            if (m.matches()) {
                DdimScheduler s2 = DdimScheduler.create(cfg, Integer.parseInt(m.group(1)), eta);
                ctx.check("timesteps_" + m.group(1), vector(s2.timesteps()));
                ctx.check(name, s2.step(modelOutput, t2, sample, null).prevSample());
            }
        }
    }

    /**
     * {@code sched_*}: the scheduler {@code scheduler_class} built from {@code scheduler_config_input},
     * timesteps (and sigmas) for both step counts, then the loop x_in = scale_model_input(x, t);
     * eps = model(x_in, t); x = step(eps, t, x) over {@code loop_steps} timesteps with the per-step noise
     * the case injects, every per-step quantity checked.
     */
    static void analyticLoop(CaseContext ctx) throws Exception {
        CaseSpec spec = ctx.spec();
        JsonNode args = spec.args();
        if (!ANALYTIC_MODEL.equals(args.path("model").asText())) {
            throw new IllegalArgumentException("unknown analytic model '" + args.path("model").asText() + "'");
        }
        SchedulerKind kind = SchedulerKind.byClassName(spec.json().path("scheduler_class").asText());
        SchedulerConfig cfg = SchedulerConfig.read(ConfigJson.parse(
                Path.of("cases", spec.name() + ".json#scheduler_config_input"),
                spec.json().path("scheduler_config_input").toString()), kind);
        double eta = args.path("eta").isNull() ? 0.0 : args.path("eta").doubleValue();
        Scheduler a = build(cfg, args.path("num_inference_steps_a").intValue(), eta);
        Scheduler b = build(cfg, args.path("num_inference_steps_b").intValue(), eta);
        ctx.check("timesteps_a", vector(a.timesteps()));
        ctx.check("timesteps_b", vector(b.timesteps()));
        if (spec.outputs().containsKey("sigmas_a") || spec.outputs().containsKey("sigmas_b")) {
            if (!(a instanceof SigmaScheduler sa && b instanceof SigmaScheduler sb)) {
                throw new IllegalArgumentException(kind.className() + " has no sigmas but the case lists them");
            }
            check(ctx, "sigmas_a", sa.sigmas());
            check(ctx, "sigmas_b", sb.sigmas());
        }
        ctx.check("init_noise_sigma", Tensor.of(new float[] {(float) a.initNoiseSigma()}, 1));
        Tensor x = scale(ctx.tensor("sample"), (float) a.initNoiseSigma());
        ctx.check("latents_initial", x);
        runLoop(ctx, a, x, args.path("loop_steps").intValue());
    }

    private static Scheduler build(SchedulerConfig cfg, int steps, double eta) {
        if (cfg.kind() == SchedulerKind.DDIM) {
            return DdimScheduler.create(cfg, steps, eta);
        }
        if (eta != 0) {
            throw new IllegalArgumentException(cfg.kind().className() + " takes no eta, the case gives " + eta);
        }
        return Schedulers.create(cfg, steps);
    }

    private static void runLoop(CaseContext ctx, Scheduler s, Tensor x, int loopSteps) throws Exception {
        Tensor noise = noisePerStep(ctx);
        double[] timesteps = s.timesteps();
        if (loopSteps > timesteps.length) {
            throw new IllegalArgumentException("loop_steps " + loopSteps + " > " + timesteps.length + " timesteps");
        }
        List<Tensor> scaled = new ArrayList<>();
        List<Tensor> outputs = new ArrayList<>();
        List<Tensor> latents = new ArrayList<>();
        List<Tensor> predOriginal = new ArrayList<>();
        Sampler run = s.sampler();
        for (int i = 0; i < loopSteps; i++) {
            double t = timesteps[i];
            Tensor xIn = s.scaleModelInput(x, t);
            Tensor eps = analyticModel(xIn, (float) t);
            StepOutput r = run.step(eps, t, x, noise == null ? null : squeeze0(noise.slice0(i, i + 1)));
            x = r.prevSample();
            scaled.add(unsqueeze0(xIn));
            outputs.add(unsqueeze0(eps));
            latents.add(unsqueeze0(x));
            predOriginal.add(r.predOriginalSample() == null ? null : unsqueeze0(r.predOriginalSample()));
        }
        ctx.check("scaled_model_input_per_step", Tensor.concat0(scaled));
        ctx.check("model_output_per_step", Tensor.concat0(outputs));
        ctx.check("latents_per_step", Tensor.concat0(latents));
        if (ctx.spec().outputs().containsKey("pred_original_sample_per_step")) {
            ctx.check("pred_original_sample_per_step", Tensor.concat0(predOriginal));
        }
        if (ctx.spec().outputs().containsKey("lms_coefficients_per_step")) {
            ctx.check("lms_coefficients_per_step", lmsCoefficients((LmsDiscreteScheduler) s, loopSteps));
        }
    }

    /** The injected per-step noise ({@code noise_per_step} or {@code variance_noise_per_step}), or null. */
    private static Tensor noisePerStep(CaseContext ctx) throws Exception {
        JsonNode inputs = ctx.spec().json().path("inputs");
        for (String name : List.of("noise_per_step", "variance_noise_per_step")) {
            if (inputs.has(name)) {
                return ctx.tensor(name);
            }
        }
        return null;
    }

    /** eps = (x_in * t) / (t + 1) in float32, t as float32 (the reference's tensor arithmetic). */
    private static Tensor analyticModel(Tensor xIn, float t) {
        float[] d = xIn.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (d[i] * t) / (t + 1f);
        }
        return new Tensor(xIn.shape(), out);
    }

    /** Row i: the coefficients step i uses, zero padded to {@link LmsDiscreteScheduler#ORDER}. */
    private static Tensor lmsCoefficients(LmsDiscreteScheduler s, int steps) {
        int order = LmsDiscreteScheduler.ORDER;
        float[] rows = new float[steps * order];
        for (int i = 0; i < steps; i++) {
            double[] c = s.lmsCoefficients(i);
            for (int k = 0; k < c.length; k++) {
                rows[i * order + k] = (float) c[k];
            }
        }
        return Tensor.of(rows, steps, order);
    }

    private static void check(CaseContext ctx, String name, float[] values) throws Exception {
        ctx.check(name, Tensor.of(values.clone(), values.length));
    }

    private static Tensor vector(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return Tensor.of(f, f.length);
    }

    private static Tensor scale(Tensor x, float c) {
        float[] d = x.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i] * c;
        }
        return new Tensor(x.shape(), out);
    }

    /** (1, a, b, ...) -> (a, b, ...). */
    private static Tensor squeeze0(Tensor t) {
        int[] s = t.shape();
        return t.reshape(Arrays.copyOfRange(s, 1, s.length));
    }

    /** (a, b, ...) -> (1, a, b, ...). */
    private static Tensor unsqueeze0(Tensor t) {
        int[] s = t.shape();
        int[] u = new int[s.length + 1];
        u[0] = 1;
        System.arraycopy(s, 0, u, 1, s.length);
        return t.reshape(u);
    }
}
