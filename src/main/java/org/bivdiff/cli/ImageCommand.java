package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.bivdiff.cli.ImageOptions.Inputs;
import org.bivdiff.cli.ImageOptions.Models;
import org.bivdiff.cli.ImageOptions.P2pFlags;
import org.bivdiff.cli.ImageOptions.P2pOptions;
import org.bivdiff.cli.ImageOptions.SamplingOptions;
import org.bivdiff.cli.ImageOptions.TaskFlags;
import org.bivdiff.cli.ImageOptions.TaskOptions;
import org.bivdiff.cli.config.FrameSize;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Tensor;
import org.bivdiff.io.FileTrees;
import org.bivdiff.io.hub.ModelLocator;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.pipelines.AdapterPipeline;
import org.bivdiff.pipelines.AttentionEdit;
import org.bivdiff.pipelines.ControlImage;
import org.bivdiff.pipelines.ControlNetPipeline;
import org.bivdiff.pipelines.ImageResult;
import org.bivdiff.pipelines.ImageToImagePipeline;
import org.bivdiff.pipelines.InpaintPipeline;
import org.bivdiff.pipelines.InstructPix2PixPipeline;
import org.bivdiff.pipelines.Outpainting;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.Prompt2PromptPipeline;
import org.bivdiff.pipelines.PromptEncoder;
import org.bivdiff.pipelines.RunNoise;
import org.bivdiff.pipelines.Sampling;
import org.bivdiff.pipelines.StableDiffusionModels;
import org.bivdiff.pipelines.TextToImagePipeline;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.schedulers.SchedulerKind;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code bivdiff image}: one image-model task on one image, written as a PNG. {@code --models} takes the Stable
 * Diffusion pipeline folder, then optionally the task's extra folder (the ControlNet, the adapter, or the
 * InstructPix2Pix / inpainting UNet); {@code --controlnet}, {@code --adapter} and {@code --unet} name it instead.
 */
@Command(name = "image", sortOptions = false, description = {
        "run one image model (BIVDiff's image-model stage) on one image, written as a PNG",
        "TASK: txt2img | img2img | controlnet-canny | t2i-adapter-canny | ip2p | inpaint | outpaint | p2p",
        "Defaults are those of run configs: outpaint repaints the top and bottom quarters (--direction "
                + "horizontal, as mask_type), p2p refines (--edit refine, as edit.type); sizes are rounded down to a "
                + "multiple of 32 as in runs, as BIVDiff does."})
final class ImageCommand implements CliCommand {

    @ArgGroup(validate = false, heading = "%nTask and models:%n", order = 1)
    Models modelOptions = new Models();

    @ArgGroup(validate = false, heading = "%nInputs and output:%n", order = 2)
    Inputs inputs = new Inputs();

    @ArgGroup(validate = false, heading = "%nSampling:%n", order = 3)
    SamplingOptions samplingOptions = new SamplingOptions();

    @ArgGroup(validate = false, heading = "%nTask options:%n", order = 4)
    TaskFlags taskFlags = new TaskFlags();

    @ArgGroup(validate = false, heading = "%nPrompt-to-Prompt (--task p2p, writes the edited image):%n", order = 5)
    P2pFlags p2pFlags = new P2pFlags();

    @ArgGroup(validate = false, heading = "%nEngine:%n", order = 100)
    EngineFlags engineFlags = new EngineFlags();

    @Mixin
    CommonOptions common;

    /** The tasks, as {@code --task} spells them. */
    enum Task {
        TXT2IMG("txt2img", null), IMG2IMG("img2img", null), CONTROLNET_CANNY("controlnet-canny", "controlnet"),
        T2I_ADAPTER_CANNY("t2i-adapter-canny", "adapter"), IP2P("ip2p", "unet"), INPAINT("inpaint", "unet"),
        OUTPAINT("outpaint", "unet"), P2P("p2p", null);

        final String spelling;
        final String extraFolder;

        Task(String spelling, String extraFolder) {
            this.spelling = spelling;
            this.extraFolder = extraFolder;
        }

        static Task parse(String s) throws UsageException {
            for (Task t : values()) {
                if (t.spelling.equals(s)) {
                    return t;
                }
            }
            throw new UsageException("unknown --task '" + s + "' (tasks: txt2img, img2img, controlnet-canny, "
                    + "t2i-adapter-canny, ip2p, inpaint, outpaint, p2p)");
        }
    }

    private ImageCommand() {
    }

    @Override
    public int call(PrintStream out, PrintStream err) throws Exception {
        // 1. Parse and check every option before loading anything
        Task task = Task.parse(required(modelOptions.task, "task"));
        Path out0 = required(inputs.out, "out");
        List<String> models = modelOptions.models;
        if (models.isEmpty()) {
            throw new UsageException("--models takes the Stable Diffusion folder and at most one extra folder");
        }
        String promptText = required(inputs.prompt, "prompt");
        TaskOptions options = taskOptions(task);
        Engine.Options engineOptions = engineFlags.options();
        ModelLocator locator = ModelsCommand.locator(modelOptions.download, ProgressBar.stderr());
        Path sd = locator.locate(models.getFirst(), Path.of("").toAbsolutePath());
        Path extra = extraFolder(task, models, locator);
        boolean fromText = task == Task.TXT2IMG || task == Task.P2P;
        Image8 input = fromText ? null : ImageFiles.read(required(inputs.image, "image"));
        int[] size = size(input, m -> warn(err, m));
        if (input != null && (input.width() != size[0] || input.height() != size[1])) {
            warn(err, "--image " + inputs.image + " is " + input.size() + "; it is resized to " + size[0] + "x"
                    + size[1]);
        }
        Prompt prompt = new Prompt(promptText, inputs.negativePrompt);
        Engine engine = new Engine(engineOptions);
        Path parent = out0.toAbsolutePath().getParent();
        if (parent != null) {
            FileTrees.createFolders(parent);   // an output that cannot be written fails before the work
        }
        // 2. Load the models and run the task
        try (StableDiffusionModels sdModels = StableDiffusionModels.load(sd,
                "unet".equals(task.extraFolder) ? extra : null, engine)) {
            PromptEncoder.truncationWarning(sdModels.tokenizer(), "--prompt", prompt.prompt()).ifPresent(m -> warn(err, m));
            PromptEncoder.truncationWarning(sdModels.tokenizer(), "--negative-prompt", prompt.negativePrompt())
                    .ifPresent(m -> warn(err, m));
            Sampling sampling = sampling(sd, sdModels);
            ImageResult result = runTask(task, options, sdModels, extra, engine, prompt, input, size, sampling);
            // 3. Write the PNG
            ImageInputs.write(result.image(), out0);
        }
        out.printf(Locale.ROOT, "wrote %s (%dx%d, %s)%n", out0, size[0], size[1], task.spelling);
        return 0;
    }

    /** The task's own options, each checked; the ones the task needs are required. */
    private TaskOptions taskOptions(Task task) throws UsageException {
        Outpainting.Direction direction = switch (taskFlags.direction) {
            case "horizontal" -> Outpainting.Direction.HORIZONTAL;
            case "vertical" -> Outpainting.Direction.VERTICAL;
            case String other -> throw new UsageException("--direction takes horizontal or vertical, got '" + other
                    + "'");
        };
        if (task == Task.INPAINT) {
            required(inputs.mask, "mask");
        }
        P2pOptions p2p = null;
        if (task == Task.P2P) {
            AttentionEdit.Type type = switch (p2pFlags.edit) {
                case "replace" -> AttentionEdit.Type.REPLACE;
                case "refine" -> AttentionEdit.Type.REFINE;
                case String other -> throw new UsageException("--edit takes refine or replace, got '" + other + "'");
            };
            List<String> words = p2pFlags.blendWords;
            Optional<Prompt2PromptPipeline.Blend> blend = words.isEmpty() ? Optional.empty()
                    : Optional.of(new Prompt2PromptPipeline.Blend(words, p2pFlags.blendThreshold));
            p2p = new P2pOptions(required(p2pFlags.editedPrompt, "edited-prompt"), type, p2pFlags.crossReplace,
                    p2pFlags.selfReplace, blend, p2pFlags.sourceOut);
        }
        double strength = samplingOptions.strength != null ? samplingOptions.strength
                : task == Task.IMG2IMG ? 0.8 : 1.0;
        return new TaskOptions(strength, taskFlags.imageGuidance, taskFlags.cannyLow, taskFlags.cannyHigh,
                taskFlags.controlScale, taskFlags.adapterScale, inputs.mask, direction, p2p);
    }

    private static ImageResult runTask(Task task, TaskOptions args, StableDiffusionModels sd, Path extra, Engine engine,
                                       Prompt prompt, Image8 input, int[] size, Sampling sampling) throws Exception {
        int w = size[0];
        int h = size[1];
        double low = args.cannyLow();
        double high = args.cannyHigh();
        return switch (task) {
            case TXT2IMG -> new TextToImagePipeline(sd).run(new TextToImagePipeline.Request(prompt, 1, h, w, sampling));
            case IMG2IMG -> new ImageToImagePipeline(sd).run(new ImageToImagePipeline.Request(prompt,
                    ImageInputs.rgb(input, w, h), args.strength(), sampling));
            case CONTROLNET_CANNY -> {
                try (ControlNetModel controlNet = ControlNetModel.load(extra, engine)) {
                    Tensor cond = ImageInputs.canny(input, w, h, low, high, 3);
                    ControlImage control = new ControlImage(cond, args.controlScale(), 0.0, 1.0);
                    yield new ControlNetPipeline(sd, List.of(controlNet)).run(new ControlNetPipeline.Request(prompt,
                            List.of(control), h, w, sampling));
                }
            }
            case T2I_ADAPTER_CANNY -> {
                try (T2IAdapter adapter = T2IAdapter.load(extra, engine)) {
                    Tensor cond = ImageInputs.canny(input, w, h, low, high, adapter.config().inChannels());
                    yield new AdapterPipeline(sd, adapter).run(new AdapterPipeline.Request(prompt, cond,
                            args.adapterScale(), h, w, sampling));
                }
            }
            case IP2P -> new InstructPix2PixPipeline(sd).run(new InstructPix2PixPipeline.Request(prompt,
                    ImageInputs.rgb(input, w, h), args.imageGuidance(), sampling)).images();
            case INPAINT -> new InpaintPipeline(sd).run(new InpaintPipeline.Request(prompt, ImageInputs.rgb(input, w, h),
                    ImageInputs.mask(args.mask(), w, h), args.strength(),
                    sampling)).images();
            case OUTPAINT -> outpaint(args, sd, prompt, ImageInputs.rgb(input, w, h), sampling);
            case P2P -> promptToPrompt(args.p2p(), sd, prompt, h, w, sampling);
        };
    }

    /** Prompt-to-Prompt from one seeded latent: the edited prompt's image, the source's to --source-out if given. */
    private static ImageResult promptToPrompt(P2pOptions edit, StableDiffusionModels sd, Prompt prompt, int h, int w,
                                              Sampling sampling) throws Exception {
        Prompt2PromptPipeline.Result r;
        try (Prompt2PromptPipeline pipeline = new Prompt2PromptPipeline(sd)) {
            r = pipeline.run(new Prompt2PromptPipeline.Request(prompt.prompt(), edit.editedPrompt(),
                    prompt.negativePrompt(), edit.type(), edit.crossReplace(), edit.selfReplace(), edit.blend(),
                    Optional.empty(), h, w, sampling));
        }
        ImageResult both = r.images();
        if (edit.sourceOut() != null) {
            ImageInputs.write(both.image().slice0(0, 1), edit.sourceOut());
        }
        return new ImageResult(both.latents().slice0(1, 2), both.imageDecoded().slice0(1, 2),
                both.image().slice0(1, 2), both.trace());
    }

    /** BIVDiff's border mask ({@code --direction}), or the given {@code --mask}. */
    private static ImageResult outpaint(TaskOptions args, StableDiffusionModels sd, Prompt prompt, Tensor image,
                                        Sampling sampling) throws Exception {
        if (args.mask() != null) {
            Tensor mask = ImageInputs.mask(args.mask(), image.dim(3), image.dim(2));
            return new InpaintPipeline(sd).run(new InpaintPipeline.Request(prompt, image, mask, 1.0, sampling))
                    .images();
        }
        return new Outpainting(sd).run(new Outpainting.Request(prompt, image, args.direction(), sampling)).images();
    }

    /** The task's extra folder: the second {@code --models} entry or the named option, not both. */
    private Path extraFolder(Task task, List<String> models, ModelLocator locator) throws IOException, UsageException {
        Map<String, String> named = new LinkedHashMap<>();
        named.put("controlnet", modelOptions.controlnet);
        named.put("adapter", modelOptions.adapter);
        named.put("unet", modelOptions.unet);
        String given = task.extraFolder == null ? null : named.get(task.extraFolder);
        for (Map.Entry<String, String> option : named.entrySet()) {
            if (option.getValue() != null && !option.getKey().equals(task.extraFolder)) {
                throw new UsageException("--" + option.getKey() + " is not used by --task " + task.spelling);
            }
        }
        if (models.size() == 2 && given != null) {
            throw new UsageException("give the " + task.extraFolder + " folder once: as the second --models folder or"
                    + " as --" + task.extraFolder);
        }
        String folder = models.size() == 2 ? models.get(1) : given;
        if (task.extraFolder == null && folder != null) {
            throw new UsageException("--task " + task.spelling + " takes only the Stable Diffusion folder");
        }
        if (task.extraFolder != null && folder == null) {
            throw new UsageException("--task " + task.spelling + " needs a " + task.extraFolder + " folder: --models SD_DIR "
                    + task.extraFolder.toUpperCase(Locale.ROOT) + "_DIR or --" + task.extraFolder + " DIR");
        }
        if (folder == null) {
            return null;
        }
        Path located = locator.locate(folder, Path.of("").toAbsolutePath());
        if (!Files.isDirectory(located)) {
            throw new UsageException("no such folder: " + folder);
        }
        return located;
    }

    /**
     * {width, height}: the options, else the input's size, else 512; rounded down to a multiple of 32 as run configs
     * are ({@link FrameSize}), with a warning when an asked size changes.
     */
    private int[] size(Image8 input, Consumer<String> warnings) throws UsageException {
        int w = FrameSize.round("--width", inputs.width != null ? inputs.width : input == null ? 512 : input.width(),
                inputs.width != null ? warnings : m -> { });
        int h = FrameSize.round("--height", inputs.height != null ? inputs.height : input == null ? 512
                : input.height(), inputs.height != null ? warnings : m -> { });
        if (w < FrameSize.MULTIPLE || h < FrameSize.MULTIPLE) {
            throw new UsageException("the size " + w + "x" + h + " must be at least " + FrameSize.MULTIPLE + "x"
                    + FrameSize.MULTIPLE);
        }
        return new int[] {w, h};
    }

    private Sampling sampling(Path folder, StableDiffusionModels sd) throws Exception {
        SchedulerConfig scheduler = sd.scheduler();
        String kind = samplingOptions.scheduler;
        if (kind != null) {
            scheduler = SchedulerConfig.read(StableDiffusionModels.schedulerConfigFile(folder),
                    SchedulerKind.byClassName(kind));
        }
        return Sampling.of(scheduler, samplingOptions.steps, samplingOptions.guidance,
                RunNoise.seeded(samplingOptions.seed)).withEta(samplingOptions.eta)
                .withMaxBatch(samplingOptions.maxBatch);
    }

    private static void warn(PrintStream err, String message) {
        err.println("warning: " + message);
    }

    private static <T> T required(T value, String name) throws UsageException {
        if (value == null) {
            throw new UsageException("--" + name + " is required");
        }
        return value;
    }
}
