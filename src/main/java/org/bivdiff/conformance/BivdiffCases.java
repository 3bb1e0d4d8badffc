package org.bivdiff.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import org.bivdiff.bivdiff.InversionAndSmoothing;
import org.bivdiff.bivdiff.LatentScaling;
import org.bivdiff.bivdiff.MixedInversion;
import org.bivdiff.bivdiff.MixedInversion.Branch;
import org.bivdiff.bivdiff.MixingRatio;
import org.bivdiff.bivdiff.TemporalSmoothing;
import org.bivdiff.bivdiff.VideoModel;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.DiffusersFolder;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel.FrameNorm;
import org.bivdiff.models.unet3d.UNet3DConditionModel;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.pipelines.DenoisingLoop;
import org.bivdiff.pipelines.PromptEmbeddings;
import org.bivdiff.pipelines.PromptEncoder;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.schedulers.DdimInversion;
import org.bivdiff.schedulers.DdimInversion.InversionKind;
import org.bivdiff.schedulers.DdimScheduler;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.tensor.Tensor;

/** Golden cases of BIVDiff's stages ({@code mixed_inversion}, {@code video_smoothing}) and of the chain. */
final class BivdiffCases {

    private BivdiffCases() {
    }

    /**
     * {@code mixed_inversion}: each model's inversion embedding, the image-only (r = 1) and video-only
     * (r = 0) inversions, the mix at {@code args.mixing_ratio} for {@code prompt} and {@code prompt2},
     * and the image branch with per-frame GroupNorms.
     */
    static void mixedInversion(CaseContext ctx) throws Exception {
        CaseSpec spec = ctx.spec();
        JsonNode a = spec.args();
        Tensor latents = ctx.tensor("latents");
        requireFrames(latents, a.path("video_length").asInt());
        MixingRatio ratio = new MixingRatio(a.path("mixing_ratio").asDouble());
        boolean cfg = a.path("guidance_scale").asDouble() > 1;
        DdimInversion inversion = DdimInversion.create(schedulerConfig(spec), a.path("num_inference_steps").asInt(),
                InversionKind.BIVDIFF_REVERSE_STEP);
        requireTimesteps("inversion_timesteps", a.path("inversion_timesteps"), Arrays.stream(inversion.timesteps())
                .asDoubleStream().toArray());
        // 1. Each model's inversion embedding (state 0 of [negative; positive]) for both prompt pairs
        Path imgTok = spec.modelPath("image_tokenizer");
        Path imgEnc = spec.modelPath("image_text_encoder");
        Path vidTok = spec.modelPath("video_tokenizer");
        Path vidEnc = spec.modelPath("video_text_encoder");
        Engine engine = ctx.engine();
        Tensor embImg = MixedInversion.inversionEmbedding(encode(engine, imgTok, imgEnc, a, "prompt", "negative_prompt", cfg));
        Tensor embVid = MixedInversion.inversionEmbedding(encode(engine, vidTok, vidEnc, a, "prompt", "negative_prompt", cfg));
        Tensor embImg2 = MixedInversion.inversionEmbedding(encode(engine, imgTok, imgEnc, a, "prompt2", "negative_prompt2", cfg));
        Tensor embVid2 = MixedInversion.inversionEmbedding(encode(engine, vidTok, vidEnc, a, "prompt2", "negative_prompt2", cfg));
        ctx.check("uncond_embeds_image", embImg);
        ctx.check("uncond_embeds_video", embVid);
        ctx.check("negative_embeds_image_prompt2", embImg2);
        ctx.check("negative_embeds_video_prompt2", embVid2);
        // 2. Inversions
        try (InflatedUNet3DConditionModel image = InflatedUNet3DConditionModel.load(spec.modelPath("image_unet"), engine);
             UNet3DConditionModel video = UNet3DConditionModel.load(spec.modelPath("video_unet"), engine)) {
            Branch img = new Branch((x, t, e) -> image.forward(x, t, e, FrameNorm.ACROSS_FRAMES), embImg);
            Branch vid = new Branch(video::forward, embVid);
            ctx.check("inverted_image_model",
                    MixedInversion.run(latents, new MixingRatio(1), inversion, img, vid).mixed());
            ctx.check("inverted_video_model",
                    MixedInversion.run(latents, new MixingRatio(0), inversion, img, vid).mixed());
            ctx.check("mixed", MixedInversion.run(latents, ratio, inversion, img, vid).mixed());
            Branch img2 = new Branch(img.model(), embImg2);
            Branch vid2 = new Branch(vid.model(), embVid2);
            ctx.check("mixed_prompt2", MixedInversion.run(latents, ratio, inversion, img2, vid2).mixed());
            Branch perFrame = new Branch((x, t, e) -> image.forward(x, t, e, FrameNorm.PER_FRAME), embImg);
            ctx.check("inverted_image_model_2d_per_frame", MixedInversion.invert(latents, perFrame, inversion));
        }
    }

    /**
     * {@code video_smoothing}: the guided DDIM loop of the video UNet from the case's latents (latents
     * after every step and at the end), and the decoded video with BIVDiff's hard-coded 0.18215.
     */
    static void videoSmoothing(CaseContext ctx) throws Exception {
        CaseSpec spec = ctx.spec();
        JsonNode a = spec.args();
        Tensor latents = ctx.tensor("latents");
        requireFrames(latents, a.path("video_length").asInt());
        double scale = a.path("guidance_scale").asDouble();
        PromptEmbeddings embeddings = encode(ctx.engine(), spec.modelPath("tokenizer"), spec.modelPath("text_encoder"),
                a, "prompt", "negative_prompt", scale > 1);
        ctx.check("prompt_embeds", embeddings.encoderHiddenStates());
        DdimScheduler scheduler = DdimScheduler.create(schedulerConfig(spec), a.path("num_inference_steps").asInt(),
                a.path("eta").asDouble());
        requireTimesteps("timesteps", a.path("timesteps"), scheduler.timesteps());
        List<Tensor> perStep = new ArrayList<>();
        try (UNet3DConditionModel unet = UNet3DConditionModel.load(spec.modelPath("unet"), ctx.engine());
             AutoencoderKL vae = AutoencoderKL.load(spec.modelPath("vae"), ctx.engine())) {
            Tensor smoothed = DenoisingLoop.run(TemporalSmoothing.request(scheduler, latents, unet::forward, embeddings,
                    scale).withEvents("temporal smoothing",
                    RunEvents.observing((i, t, eps, out) -> perStep.add(out.prevSample()))));
            for (int i = 0; i < perStep.size(); i++) {
                ctx.check("latents_after_step_" + i, perStep.get(i));
            }
            ctx.check("latents_final", smoothed);
            ctx.check("video", TemporalSmoothing.decode(vae, smoothed, LatentScaling.BIVDIFF_HARD_CODED));
        }
    }

    /** The text states of {@code args[promptKey]} (and {@code args[negativeKey]}, null for none). */
    static PromptEmbeddings encode(Engine engine, Path tokenizer, Path textEncoder, JsonNode args, String promptKey,
                                   String negativeKey, boolean classifierFreeGuidance) throws IOException {
        JsonNode neg = args.path(negativeKey);
        List<String> negative = neg.isTextual() ? List.of(neg.asText()) : null;
        try (ClipTextModel encoder = ClipTextModel.load(textEncoder, engine)) {
            return new PromptEncoder(ClipTokenizer.load(tokenizer), encoder).encode(List.of(args.path(promptKey).asText()),
                    negative, 1, classifierFreeGuidance);
        }
    }

    /** The scheduler config of the case's {@code models.scheduler} folder. */
    static SchedulerConfig schedulerConfig(CaseSpec spec) throws IOException {
        return SchedulerConfig.read(spec.modelPath("scheduler").resolve("scheduler_config.json"));
    }

    static void requireFrames(Tensor latents, int videoLength) {
        if (latents.rank() != 5 || latents.dim(2) != videoLength) {
            throw new IllegalStateException("latents " + latents + " do not have args.video_length = " + videoLength);
        }
    }

    /** Fails unless the schedule we derive equals the timesteps the case lists. */
    static void requireTimesteps(String key, JsonNode expected, double[] actual) {
        double[] listed = new double[expected.size()];
        for (int i = 0; i < listed.length; i++) {
            listed[i] = expected.get(i).asDouble();
        }
        if (!Arrays.equals(listed, actual)) {
            throw new IllegalStateException("args." + key + " " + Arrays.toString(listed) + " differ from the derived "
                    + Arrays.toString(actual));
        }
    }

    /**
     * {@code bivdiff_chain}: {@link InversionAndSmoothing} end to end from the frames and the VAE noise,
     * every intermediate checked against the chain's golden values.
     */
    static void chain(CaseContext ctx) throws Exception {
        CaseSpec spec = ctx.spec();
        chain(ctx, new VideoModel.Diffusers(spec.modelPath("video_unet"), spec.modelPath("video_text_encoder"),
                spec.modelPath("video_tokenizer")));
    }

    /** {@code bivdiff_chain_vidrd}: the chain with VidRD as the video model ({@link VidRDCases#chainVideoModel}). */
    static void chainVidRD(CaseContext ctx) throws Exception {
        chain(ctx, new VideoModel.VidRD(VidRDCases.chainVideoModel(ctx.spec())));
    }

    private static void chain(CaseContext ctx, VideoModel video) throws Exception {
        CaseSpec spec = ctx.spec();
        JsonNode a = spec.args();
        InversionAndSmoothing pipeline = new InversionAndSmoothing(chainModels(spec, video), ctx.engine());
        JsonNode neg = a.path("negative_prompt");
        InversionAndSmoothing.Request request = InversionAndSmoothing.Request.of(ctx.tensor("frames"), ctx.tensor("vae_noise"),
                a.path("video_length").asInt(), a.path("prompt").asText(),
                neg.isTextual() ? Optional.of(neg.asText()) : Optional.empty(), a.path("num_inference_steps").asInt(),
                a.path("guidance_scale").asDouble(), new MixingRatio(a.path("mixing_ratio").asDouble()));
        if (a.path("eta").asDouble() != 0) {
            throw new IllegalStateException("the chain case gives no smoothing noise for eta " + a.path("eta"));
        }
        List<Tensor> noisePreds = new ArrayList<>();
        List<Tensor> latents = new ArrayList<>();
        double[] timesteps = new double[a.path("num_inference_steps").asInt()];
        InversionAndSmoothing.Result r = pipeline.run(request.withEvents(RunEvents.observing((i, t, eps, out) -> {
            noisePreds.add(eps);
            latents.add(out.prevSample());
            timesteps[i] = t;
        })));
        requireTimesteps("smoothing_timesteps", a.path("smoothing_timesteps"), timesteps);
        ctx.check("vae_latent_mean", r.posterior().mean());
        ctx.check("vae_latent_std", r.posterior().std());
        ctx.check("encoded_latents", r.encodedLatents());
        ctx.check("inversion_embeds_image", r.imageEmbedding());
        ctx.check("inversion_embeds_video", r.videoEmbedding());
        ctx.check("inverted_image_branch", r.inversion().imageBranch().orElseGet(() -> rerun(pipeline, request, 1.0)));
        ctx.check("inverted_video_branch", r.inversion().videoBranch().orElseGet(() -> rerun(pipeline, request, 0.0)));
        ctx.check("inverted_latents", r.inversion().mixed());
        ctx.check("smoothing_prompt_embeds", r.smoothingEmbeddings().encoderHiddenStates());
        ctx.check("smoothing_noise_pred_per_step", stack(noisePreds));
        ctx.check("smoothing_latents_per_step", stack(latents));
        ctx.check("smoothed_latents", r.smoothedLatents());
        ctx.check("video", r.video());
    }

    /** The chain's models: the SD 1.5 pipeline folder for VAE, image text encoder and tokenizer, the rest as listed. */
    private static InversionAndSmoothing.Models chainModels(CaseSpec spec, VideoModel video) throws IOException {
        DiffusersFolder sd = DiffusersFolder.open(spec.modelPath("vae / image text encoder / tokenizer"));
        return new InversionAndSmoothing.Models(sd.require("vae"), spec.modelPath("image_unet"), sd.require("tokenizer"),
                sd.require("text_encoder"), video, spec.modelPath("scheduler").resolve("scheduler_config.json"));
    }

    /** The inversion result of the same chain at another mixing ratio (a branch the first run skipped). */
    private static Tensor rerun(InversionAndSmoothing pipeline, InversionAndSmoothing.Request request, double ratio) {
        try {
            return pipeline.run(new InversionAndSmoothing.Request(request.frames(), request.vaeNoise(), request.videoLength(),
                    request.prompt(), request.negativePrompt(), request.numInferenceSteps(), request.guidanceScale(),
                    new MixingRatio(ratio), request.eta(), request.smoothingNoise(), request.options(), RunEvents.NONE)).inversion()
                    .mixed();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** n tensors of one shape -> (n, shape...). */
    static Tensor stack(List<Tensor> steps) {
        int[] one = steps.getFirst().shape();
        int[] shape = new int[one.length + 1];
        shape[0] = steps.size();
        System.arraycopy(one, 0, shape, 1, one.length);
        return Tensor.concat0(steps).reshape(shape);
    }
}
