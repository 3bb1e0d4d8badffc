package org.bivdiff.conformance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bivdiff.io.ConfigJson;
import org.bivdiff.pipelines.RunNoise;
import org.bivdiff.pipelines.Sampling;
import org.bivdiff.pipelines.StableDiffusionModels;
import org.bivdiff.pipelines.StepNoise;
import org.bivdiff.pipelines.Tensors;
import org.bivdiff.pipelines.p2p.AttentionEdit;
import org.bivdiff.pipelines.p2p.LocalBlend;
import org.bivdiff.pipelines.p2p.Prompt2PromptPipeline;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.schedulers.SchedulerKind;
import org.bivdiff.tensor.Tensor;

/**
 * {@code p2p_*}: BIVDiff's Prompt2PromptPipeline with AttentionReplace or AttentionRefine, with or without
 * LocalBlend. Every parameter comes from the case's {@code args}; the controller's tables, every step's guided
 * noise, latents before and after the blend, the blend's maps and mask, and the images are checked.
 */
final class Prompt2PromptCases {

    private Prompt2PromptCases() {
    }

    static void prompt2Prompt(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        try (StableDiffusionModels models = StableDiffusionModels.load(PipelineCases.model(ctx.spec(), "pipeline"),
                ctx.engine()); Prompt2PromptPipeline pipeline = new Prompt2PromptPipeline(models)) {
            Prompt2PromptPipeline.Result r = pipeline.run(request(ctx, models));
            checkArgs(args, r);
            var trace = r.images().trace();
            ctx.check("prompt_embeds", trace.textStates().orElseThrow());
            ctx.check("noise_pred_per_step", trace.noisePredsStacked());
            ctx.check("latents_per_step", trace.latentsStacked());
            ctx.check("image", r.images().image());
            ctx.check("cross_replace_alpha", r.edit().crossReplaceAlpha());
            if (r.edit().type() == AttentionEdit.Type.REPLACE) {
                ctx.check("replace_mapper", r.edit().replaceMapper());
            } else {
                ctx.check("refine_mapper", r.edit().refineMapper());
                ctx.check("refine_alphas", r.edit().refineAlphas());
            }
            if (r.blend().isPresent()) {
                ctx.check("local_blend_alpha_layers", r.blend().get().alphaLayers());
                ctx.check("latents_pre_blend_per_step", stack(r.preBlendLatents()));
                ctx.check("local_blend_maps_per_step", stack(r.blends().stream().map(LocalBlend.Step::maps).toList()));
                ctx.check("local_blend_mask_per_step", stack(r.blends().stream().map(LocalBlend.Step::mask).toList()));
            }
        }
    }

    private static Prompt2PromptPipeline.Request request(CaseContext ctx, StableDiffusionModels models)
            throws Exception {
        JsonNode args = ctx.spec().args();
        JsonNode prompts = args.path("prompts");
        AttentionEdit.Type type = switch (args.path("cross_attention_kwargs").path("edit_type").asText()) {
            case "replace" -> AttentionEdit.Type.REPLACE;
            case "refine" -> AttentionEdit.Type.REFINE;
            case String other -> throw new IllegalArgumentException("edit type " + other + " is not implemented");
        };
        Optional<Prompt2PromptPipeline.Blend> blend = Optional.empty();
        if (args.path("local_blend_words").isArray()) {
            List<String> words = new ArrayList<>();
            args.path("local_blend_words").forEach(n -> words.add(n.asText()));
            blend = Optional.of(new Prompt2PromptPipeline.Blend(words, args.path("local_blend_threshold").asDouble()));
        }
        Sampling s = Sampling.of(scheduler(ctx, models), args.path("num_inference_steps").intValue(),
                args.path("guidance_scale").asDouble(), new RunNoise(StepNoise.NONE, StepNoise.NONE, StepNoise.NONE))
                .withTrace(true);
        checkTimesteps(args, s.buildScheduler().timesteps());
        return new Prompt2PromptPipeline.Request(prompts.get(0).asText(), prompts.get(1).asText(),
                args.path("negative_prompt").asText(""), type, args.path("effective_n_cross_replace").asDouble(),
                args.path("effective_n_self_replace").asDouble(), blend, Optional.of(ctx.tensor("latents")),
                args.path("height").intValue(), args.path("width").intValue(), s);
    }

    /**
     * The case's {@code scheduler_class} over the pipeline folder's config, as {@code X.from_config} loads it.
     * A PNDMScheduler is the one Stable Diffusion 1.5 ships ({@code skip_prk_steps} true, which the tiny folder's
     * DDIM copy of SD 1.5's schedule does not spell out); the timesteps are checked against the case's.
     */
    private static SchedulerConfig scheduler(CaseContext ctx, StableDiffusionModels models) throws Exception {
        String className = ctx.spec().args().path("scheduler_class").asText(models.scheduler().kind().className());
        SchedulerKind kind = SchedulerKind.byClassName(className);
        if (kind == models.scheduler().kind()) {
            return models.scheduler();
        }
        Path file = StableDiffusionModels.schedulerConfigFile(PipelineCases.model(ctx.spec(), "pipeline"));
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(Files.readString(file));
        json.put("_class_name", className);
        if (kind == SchedulerKind.PNDM && !json.has("skip_prk_steps")) {
            json.put("skip_prk_steps", true);
        }
        return SchedulerConfig.read(ConfigJson.parse(file, json.toString()), kind);
    }

    private static void checkTimesteps(JsonNode args, double[] timesteps) {
        double[] want = new double[args.path("timesteps").size()];
        for (int i = 0; i < want.length; i++) {
            want[i] = args.path("timesteps").get(i).asDouble();
        }
        if (!Arrays.equals(want, timesteps)) {
            throw new IllegalStateException("scheduler timesteps " + Arrays.toString(timesteps) + " differ from the"
                    + " case's " + Arrays.toString(want));
        }
    }

    /** The reference run's controller facts the case records: the self-replace window and the blend words' tokens. */
    private static void checkArgs(JsonNode args, Prompt2PromptPipeline.Result r) {
        int[] self = r.edit().numSelfReplace();
        JsonNode want = args.path("num_self_replace");
        if (want.isArray() && (want.get(0).intValue() != self[0] || want.get(1).intValue() != self[1])) {
            throw new IllegalStateException("num_self_replace " + Arrays.toString(self) + ", the case has " + want);
        }
        JsonNode indices = args.path("local_blend_word_token_indices");
        if (indices.isArray() && r.blend().isPresent()) {
            Tensor alpha = r.blend().get().alphaLayers();
            int tokens = alpha.dim(alpha.rank() - 1);
            for (int p = 0; p < indices.size(); p++) {
                List<Integer> got = new ArrayList<>();
                for (int k = 0; k < tokens; k++) {
                    if (alpha.data()[p * tokens + k] != 0f) {
                        got.add(k);
                    }
                }
                List<Integer> expected = new ArrayList<>();
                indices.get(p).forEach(n -> expected.add(n.intValue()));
                if (!got.equals(expected)) {
                    throw new IllegalStateException("blend word tokens of prompt " + p + ": " + got + ", the case has "
                            + expected);
                }
            }
        }
    }

    private static Tensor stack(List<Tensor> steps) {
        return Tensor.concat0(steps.stream().map(Tensors::unsqueeze0).toList());
    }
}
