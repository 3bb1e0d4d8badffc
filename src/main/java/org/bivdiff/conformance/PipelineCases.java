package org.bivdiff.conformance;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import org.bivdiff.io.ConfigJson;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.pipelines.AdapterPipeline;
import org.bivdiff.pipelines.ControlImage;
import org.bivdiff.pipelines.ControlNetPipeline;
import org.bivdiff.pipelines.ImageResult;
import org.bivdiff.pipelines.InpaintPipeline;
import org.bivdiff.pipelines.InstructPix2PixPipeline;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.RunNoise;
import org.bivdiff.pipelines.Sampling;
import org.bivdiff.pipelines.StableDiffusionModels;
import org.bivdiff.pipelines.StepNoise;
import org.bivdiff.pipelines.TextToImagePipeline;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.schedulers.SchedulerKind;
import org.bivdiff.tensor.Tensor;

/**
 * End-to-end image pipeline cases (diffusers 0.23 pipelines with injected noise): text-to-image, ControlNet,
 * T2I-Adapter, InstructPix2Pix and inpainting. Every parameter comes from the case JSON; every listed output is
 * checked, per-step tensors included, so a failure names the first diverging step.
 */
final class PipelineCases {

    private PipelineCases() {
    }

    /** {@code e2e_txt2img_sd15}: StableDiffusionPipeline. */
    static void textToImage(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        Tensor init = ctx.tensor("latents_init");
        try (StableDiffusionModels models = load(ctx, null)) {
            Sampling s = sampling(ctx, models);
            ImageResult r = new TextToImagePipeline(models).run(new TextToImagePipeline.Request(prompt(args),
                    init.dim(0), args.path("height").intValue(), args.path("width").intValue(), s));
            checkImages(ctx, r);
        }
    }

    /** {@code idm_controlnet}: StableDiffusionControlNetPipeline with one ControlNet. */
    static void controlNet(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        if (args.path("guess_mode").asBoolean(false)) {
            throw new IllegalArgumentException("guess mode is not implemented");
        }
        ControlImage control = new ControlImage(ctx.tensor("control_image"),
                args.path("controlnet_conditioning_scale").asDouble(1.0),
                args.path("control_guidance_start").asDouble(0.0), args.path("control_guidance_end").asDouble(1.0));
        try (StableDiffusionModels models = load(ctx, null);
             ControlNetModel controlNet = ControlNetModel.load(model(ctx.spec(), "controlnet"), ctx.engine())) {
            ImageResult r = new ControlNetPipeline(models, List.of(controlNet)).run(new ControlNetPipeline.Request(
                    prompt(args), List.of(control), args.path("height").intValue(), args.path("width").intValue(),
                    sampling(ctx, models)));
            checkImages(ctx, r);
        }
    }

    /** {@code idm_t2i_adapter}: StableDiffusionAdapterPipeline. */
    static void adapter(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        try (StableDiffusionModels models = load(ctx, null);
             T2IAdapter adapter = T2IAdapter.load(model(ctx.spec(), "adapter"), ctx.engine())) {
            ImageResult r = new AdapterPipeline(models, adapter).run(new AdapterPipeline.Request(prompt(args),
                    ctx.tensor("adapter_image"), args.path("adapter_conditioning_scale").asDouble(1.0),
                    args.path("height").intValue(), args.path("width").intValue(), sampling(ctx, models)));
            checkImages(ctx, r);
        }
    }

    /** {@code idm_ip2p*}: StableDiffusionInstructPix2PixPipeline. */
    static void instructPix2Pix(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        try (StableDiffusionModels models = load(ctx, model(ctx.spec(), "unet"))) {
            InstructPix2PixPipeline.Result r = new InstructPix2PixPipeline(models).run(
                    new InstructPix2PixPipeline.Request(prompt(args), ctx.tensor("input_image"),
                            args.path("image_guidance_scale").asDouble(), sampling(ctx, models)));
            checkIfListed(ctx, "image_preprocessed", r.imagePreprocessed());
            checkIfListed(ctx, "image_latents", r.imageLatents());
            checkImages(ctx, r.images());
        }
    }

    /** {@code idm_inpaint}: StableDiffusionInpaintPipeline with a 9-channel UNet. */
    static void inpaint(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        try (StableDiffusionModels models = load(ctx, model(ctx.spec(), "unet"))) {
            InpaintPipeline.Result r = new InpaintPipeline(models).run(new InpaintPipeline.Request(prompt(args),
                    ctx.tensor("input_image"), ctx.tensor("mask_image"), args.path("strength").asDouble(1.0),
                    sampling(ctx, models)));
            checkIfListed(ctx, "mask_binarized", r.maskBinarized());
            checkIfListed(ctx, "masked_image", r.maskedImage());
            checkIfListed(ctx, "mask_latents", r.maskLatents());
            checkIfListed(ctx, "masked_image_latents", r.maskedImageLatents());
            checkImages(ctx, r.images());
        }
    }

    private static Prompt prompt(JsonNode args) {
        return new Prompt(args.path("prompt").asText(), args.path("negative_prompt").asText(""));
    }

    /** The pipeline folder (text encoder, tokenizer, VAE) with the case's UNet when it names one. */
    private static StableDiffusionModels load(CaseContext ctx, Path unet) throws Exception {
        return StableDiffusionModels.load(model(ctx.spec(), "pipeline"), unet, ctx.engine());
    }

    /**
     * The folder of a component: {@code model} (a pipeline folder), or the {@code models} entry whose key names the
     * role ({@code "unet"}, {@code "controlnet"}; the pipeline is {@code "pipeline"} or the entry listing the vae).
     */
    static Path model(CaseSpec spec, String role) {
        if (spec.json().path("model").isTextual() && role.equals("pipeline")) {
            return spec.path("model");
        }
        for (var it = spec.json().path("models").fields(); it.hasNext();) {
            var e = it.next();
            List<String> roles = List.of(e.getKey().split("\\s*/\\s*"));
            if (roles.contains(role) || role.equals("pipeline") && roles.contains("vae")) {
                return spec.root().resolve(e.getValue().asText().strip().split("\\s+")[0]);
            }
        }
        throw new IllegalArgumentException("case " + spec.name() + " names no folder for the " + role);
    }

    /**
     * The run's sampling: the case's scheduler class and config when it gives them, else the pipeline folder's;
     * the injected draws; every step recorded. The scheduler's timesteps must be the case's.
     */
    private static Sampling sampling(CaseContext ctx, StableDiffusionModels models) throws Exception {
        CaseSpec spec = ctx.spec();
        JsonNode args = spec.args();
        SchedulerConfig scheduler = models.scheduler();
        if (spec.json().has("scheduler_class")) {
            SchedulerKind kind = SchedulerKind.byClassName(spec.json().path("scheduler_class").asText());
            scheduler = SchedulerConfig.read(ConfigJson.parse(Path.of("cases", spec.name() + ".json#scheduler_config"),
                    spec.json().path("scheduler_config").toString()), kind);
        }
        JsonNode inputs = spec.json().path("inputs");
        RunNoise noise = new RunNoise(StepNoise.NONE, StepNoise.NONE, StepNoise.NONE)
                .withLatents(ctx.tensor("latents_init"));
        if (inputs.has("vae_noise")) {
            noise = noise.withVae(ctx.tensor("vae_noise"));
        }
        if (inputs.has("ancestral_noise")) {
            noise = noise.withSteps(ctx.tensor("ancestral_noise"));
        }
        Sampling s = Sampling.of(scheduler, args.path("num_inference_steps").intValue(),
                args.path("guidance_scale").asDouble(), noise).withEta(args.path("eta").asDouble(0.0)).withTrace(true);
        checkTimesteps(args, s.buildScheduler().timesteps());
        return s;
    }

    private static void checkTimesteps(JsonNode args, double[] timesteps) {
        JsonNode want = args.path("timesteps");
        boolean same = want.size() == timesteps.length;
        for (int i = 0; same && i < timesteps.length; i++) {
            same = want.get(i).asDouble() == timesteps[i];
        }
        if (!same) {
            throw new IllegalStateException("scheduler timesteps " + java.util.Arrays.toString(timesteps)
                    + " differ from the case's " + want);
        }
    }

    /** prompt_embeds, the first UNet input, per-step outputs, final latents and images, as the case lists them. */
    private static void checkImages(CaseContext ctx, ImageResult r) throws Exception {
        var outputs = ctx.spec().outputs();
        if (outputs.containsKey("prompt_embeds")) {
            ctx.check("prompt_embeds", r.trace().textStates().orElseThrow());
        }
        if (outputs.containsKey("unet_input_step0")) {
            ctx.check("unet_input_step0", r.trace().firstUNetInput().orElseThrow());
        }
        checkIfListed(ctx, "noise_pred_per_step", outputs.containsKey("noise_pred_per_step")
                ? r.trace().noisePredsStacked() : null);
        checkIfListed(ctx, "latents_per_step", outputs.containsKey("latents_per_step")
                ? r.trace().latentsStacked() : null);
        for (int i = 0; i < r.trace().latents().size(); i++) {
            checkIfListed(ctx, String.format(Locale.ROOT, "latents_after_step_%d", i), r.trace().latents().get(i));
        }
        checkIfListed(ctx, "latents_final", r.latents());
        checkIfListed(ctx, "image_decoded", r.imageDecoded());
        checkIfListed(ctx, "image", r.image());
    }

    private static void checkIfListed(CaseContext ctx, String name, Tensor actual) throws Exception {
        if (ctx.spec().outputs().containsKey(name)) {
            ctx.check(name, actual);
        }
    }
}
