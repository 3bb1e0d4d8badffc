package org.bivdiff.cli.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import org.bivdiff.bivdiff.Strategy;
import org.bivdiff.bivdiff.Task;
import org.bivdiff.bivdiff.TemporalWindows;
import org.bivdiff.io.hub.CheckpointRepos;
import org.bivdiff.io.hub.HubSettings;
import org.bivdiff.io.hub.ModelLocator;
import org.bivdiff.media.annotators.ConditionFrames.FrameInput;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel.FrameNorm;
import org.bivdiff.pipelines.Outpainting;
import org.bivdiff.pipelines.p2p.AttentionEdit;
import org.bivdiff.pipelines.p2p.Prompt2PromptPipeline;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a run config: bivdiff's own YAML schema (see {@code docs/config.md}) or one of BIVDiff's
 * official {@code configs/*.yaml} files as they are (recognised by their {@code Model} section; see
 * {@link OfficialConfig}). {@code --set key=value} overrides use the file's own key names, dotted
 * for nesting. Unknown keys are errors. Relative paths resolve against the config file's folder.
 */
public final class RunConfigReader {

    /** {@code --checkpoints hub}: every model of an official config from its own Hub repository. */
    public static final String HUB = "hub";

    private RunConfigReader() {
    }

    /**
     * Reads {@code file}, applies {@code overrides} ({@code key=value}), and fills defaults. Model ids are
     * resolved from the Hugging Face cache of this process's environment.
     *
     * @param checkpoints the folder standing for {@code ./checkpoints} in official BIVDiff configs, or null
     * @throws ConfigFileException naming the file and key of the first problem found
     */
    public static RunConfig read(Path file, List<String> overrides, Path checkpoints) throws IOException {
        return read(file, overrides, checkpoints, warning -> { });
    }

    /**
     * As {@link #read(Path, List, Path)}, telling {@code warnings} what the reader changes: a width or height
     * rounded down to a multiple of 32.
     */
    public static RunConfig read(Path file, List<String> overrides, Path checkpoints, Consumer<String> warnings)
            throws IOException {
        return read(file, overrides, checkpoints == null ? null : checkpoints.toString(),
                ModelLocator.cacheOnly(HubSettings.fromEnvironment()), warnings);
    }

    /** As {@link #read(Path, List, String, ModelLocator, Consumer)}, without warnings. */
    public static RunConfig read(Path file, List<String> overrides, String checkpoints, ModelLocator models)
            throws IOException {
        return read(file, overrides, checkpoints, models, warning -> { });
    }

    /**
     * Reads {@code file}, applies {@code overrides} ({@code key=value}), and fills defaults.
     *
     * @param checkpoints what stands for {@code ./checkpoints} in official BIVDiff configs: a folder, a
     *                    model id of a repository laid out like it, or {@code hub} for each model's own
     *                    Hub repository ({@link CheckpointRepos}); null for {@code ./checkpoints}
     * @param models      finds the folder of each {@code models.*} value, a path or a model id
     * @param warnings    told what the reader changes: a width or height rounded down to a multiple of 32
     * @throws ConfigFileException naming the file and key of the first problem found, or every model id
     *                             the cache lacks, each with the command that downloads it
     */
    public static RunConfig read(Path file, List<String> overrides, String checkpoints, ModelLocator models,
                                 Consumer<String> warnings)
            throws IOException {
        Map<String, Object> raw = load(file);
        boolean official = raw.containsKey("Model");
        for (String o : overrides) {
            if (official) {
                OfficialConfig.checkOverrideKey(o, file);
            }
            Overrides.apply(raw, o, file);
        }
        Path base = file.toAbsolutePath().getParent();
        if (official) {
            Path cwd = Path.of("").toAbsolutePath();
            raw = OfficialConfig.translate(raw, file, checkpoints(checkpoints, cwd, models, file));
            base = cwd;   // the reference runs from its repository root: ./data, ./outputs are relative to it
        }
        return typed(raw, file, base, models, official ? OfficialConfig.OUTPUT_KEY : "output", warnings);
    }

    private static OfficialConfig.Checkpoints checkpoints(String spec, Path cwd, ModelLocator models, Path file)
            throws IOException {
        if (spec == null) {
            return OfficialConfig.Checkpoints.under(cwd.resolve("checkpoints"));
        }
        return spec.equals(HUB) ? OfficialConfig.Checkpoints.hub(file)
                : OfficialConfig.Checkpoints.under(models.locate(spec, cwd));
    }

    static Map<String, Object> load(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigFileException(file, "config file not found");
        } catch (CharacterCodingException e) {
            throw new ConfigFileException(file, "not valid UTF-8");
        }
        Object doc;
        try {
            doc = yaml().load(text);
        } catch (YAMLException e) {
            throw new ConfigFileException(file, "not valid YAML: " + e.getMessage());
        }
        if (!(doc instanceof Map<?, ?> m)) {
            throw new ConfigFileException(file, "expected a mapping of keys to values at the top level");
        }
        return deepCopy(m);
    }

    /**
     * SnakeYAML as strict as YAML 1.1 itself: a key given twice in one mapping is an error (SnakeYAML's default
     * keeps the last one silently); only plain data (SafeConstructor), with its limits on aliases and nesting.
     */
    static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(new SafeConstructor(options));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v instanceof Map<?, ?> sub ? deepCopy(sub) : v));
        return out;
    }

    /** The config's records from its keys; each key is spelled here once, where it is read. */
    private static RunConfig typed(Map<String, Object> raw, Path file, Path base, ModelLocator locator,
            String outputKey, Consumer<String> warnings) throws IOException {
        Values v = new Values(raw, file, base);
        Task task = v.choice("task", Task.class, null, Task::parse);
        Values e = v.section("edit");
        RunConfig.Edit edit = new RunConfig.Edit(e.string("prompt", ""),
                e.choice("type", AttentionEdit.Type.class, AttentionEdit.Type.REFINE, null),
                e.strings("local_blend_words"),
                e.number("local_blend_threshold", Prompt2PromptPipeline.Blend.DEFAULT_THRESHOLD));
        e.rejectUnknown();
        String prompt = v.string("prompt", "");
        // Prompt-to-Prompt smooths towards the edited prompt (BIVDiff's configs set vdm_prompt to it).
        RunConfig.Prompts prompts = new RunConfig.Prompts(prompt,
                v.string("video_prompt", task == Task.PROMPT2PROMPT ? edit.prompt() : prompt),
                v.string("prompt_suffix", task.defaultPromptSuffix()),
                v.string("negative_prompt", task.defaultNegativePrompt()));
        RunConfig.Inputs inputs = new RunConfig.Inputs(v.path("video"),
                v.choice("condition", RunConfig.Condition.class, RunConfig.Condition.CANNY, null),
                v.path("condition_video"),
                v.choice("condition_input", FrameInput.class, FrameInput.CLEAN, null),
                v.path("mask_video"),
                v.choice("mask_type", Outpainting.Direction.class, Outpainting.Direction.HORIZONTAL, null),
                v.path("frames"));
        RunConfig.Clip clip = new RunConfig.Clip(videoLength(v, file), v.integer("frame_rate", 4),
                FrameSize.round("width", v.integer("width", 512), warnings),
                FrameSize.round("height", v.integer("height", 512), warnings));
        RunConfig.Sampling sampling = new RunConfig.Sampling(v.integer("steps", 50), v.number("guidance_scale", 7.5),
                v.number("image_guidance_scale", 1.5), v.integer("seed", 42));
        RunConfig.Bridging bridging = new RunConfig.Bridging(
                v.choice("strategy", Strategy.class, Strategy.SEQUENTIAL, null),
                v.number("mixing_ratio", task.defaultMixingRatio()),
                v.choice("inversion_norm", FrameNorm.class, FrameNorm.ACROSS_FRAMES, null));
        RunConfig.Output output = new RunConfig.Output(v.pathOr("output", base.resolve("outputs")), outputKey,
                v.number("fps", RunConfig.FPS_FROM_SOURCE));
        TemporalWindows window = windows(v.section("window"), file);
        Values models = v.section("models");
        v.rejectUnknown();
        RunConfig.Models folders = new ModelFolders(models, locator, base).models(file);
        models.rejectUnknown();
        return new RunConfig(task, prompts, inputs, clip, sampling, bridging, edit, folders, window, output);
    }

    /** {@code video_length}: a number of frames, or {@code all} ({@link RunConfig#ALL_FRAMES}). */
    private static int videoLength(Values v, Path file) throws ConfigFileException {
        String s = v.string("video_length", null);
        if ("all".equals(s)) {
            return RunConfig.ALL_FRAMES;
        }
        try {
            return v.integer("video_length", 8);
        } catch (ConfigFileException e) {
            throw new ConfigFileException(file, "'video_length' = " + s + " should be a number of frames or all");
        }
    }

    /** The {@code window} section: length (default 8), stride (default half the length), weighting (pyramid). */
    private static TemporalWindows windows(Values w, Path file) throws ConfigFileException {
        int length = w.integer("length", RunConfig.DEFAULT_WINDOW);
        int stride = w.integer("stride", Math.max(1, length / 2));
        TemporalWindows.Weighting weighting = w.choice("weighting", TemporalWindows.Weighting.class,
                TemporalWindows.Weighting.PYRAMID, null);
        w.rejectUnknown();
        try {
            return new TemporalWindows(length, stride, weighting);
        } catch (IllegalArgumentException e) {
            throw new ConfigFileException(file, "window: " + e.getMessage());
        }
    }

    /**
     * The {@code models.*} folders through the locator, collecting every model id the cache lacks so that
     * one error lists them all.
     */
    private record ModelFolders(Values values, ModelLocator locator, Path base) {

        RunConfig.Models models(Path file) throws IOException {
            List<String> missing = new ArrayList<>();
            RunConfig.Models m = new RunConfig.Models(folder("stable_diffusion", missing), folder("controlnet", missing),
                    folder("t2i_adapter", missing), folder("instruct_pix2pix", missing), folder("inpainting", missing),
                    folder("video", missing), folder("vidrd_checkpoint", missing), folder("depth", missing));
            if (!missing.isEmpty()) {
                throw new ConfigFileException(file, String.join("\n  ", missing));
            }
            return m;
        }

        private Path folder(String key, List<String> missing) throws IOException {
            String spec = values.string(key, null);
            if (spec == null || spec.isBlank()) {
                return null;
            }
            try {
                return locator.locate(spec, base);
            } catch (ModelLocator.NotCachedException e) {
                missing.add("models." + key + " = " + spec + ": " + e.getMessage());
                return null;
            }
        }
    }
}
