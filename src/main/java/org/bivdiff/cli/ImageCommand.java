package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.bivdiff.bivdiff.FrameGenerator;
import org.bivdiff.bivdiff.ImageModelFrames;
import org.bivdiff.bivdiff.ImageModels;
import org.bivdiff.bivdiff.Prompt2PromptFrames;
import org.bivdiff.bivdiff.Task;
import org.bivdiff.bivdiff.Task.Network;
import org.bivdiff.bivdiff.TaskOptions;
import org.bivdiff.cli.ImageOptions.Inputs;
import org.bivdiff.cli.ImageOptions.Models;
import org.bivdiff.cli.ImageOptions.P2pFlags;
import org.bivdiff.cli.ImageOptions.SamplingOptions;
import org.bivdiff.cli.ImageOptions.TaskFlags;
import org.bivdiff.cli.config.FrameSize;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.FileTrees;
import org.bivdiff.io.Spellings;
import org.bivdiff.io.hub.ModelLocator;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.bivdiff.models.adapter.T2IAdapterConfig;
import org.bivdiff.pipelines.Outpainting;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.PromptEncoder;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.pipelines.StableDiffusionModels;
import org.bivdiff.pipelines.p2p.AttentionEdit;
import org.bivdiff.pipelines.p2p.Prompt2PromptPipeline;
import org.bivdiff.schedulers.SchedulerKind;
import org.bivdiff.tensor.Tensor;

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

    /** The tasks of the catalogue this command runs, as {@code --task} spells them, with their extra folder's option. */
    enum ImageTask {
        TXT2IMG("txt2img", Task.TEXT_TO_IMAGE), IMG2IMG("img2img", Task.IMAGE_TO_IMAGE),
        CONTROLNET_CANNY("controlnet-canny", Task.CONTROLNET), T2I_ADAPTER_CANNY("t2i-adapter-canny", Task.T2I_ADAPTER),
        IP2P("ip2p", Task.INSTRUCT_PIX2PIX), INPAINT("inpaint", Task.INPAINTING), OUTPAINT("outpaint", Task.OUTPAINTING),
        P2P("p2p", Task.PROMPT2PROMPT);

        final String spelling;
        final Task library;
        /** the option naming the extra folder (here the UNet folder is required), or null */
        final String extraFolder;

        ImageTask(String spelling, Task library) {
            this.spelling = spelling;
            this.library = library;
            this.extraFolder = switch (library.network()) {
                case CONTROLNET -> "controlnet";
                case T2I_ADAPTER -> "adapter";
                case UNET -> "unet";
                case NONE -> null;
            };
        }

        static ImageTask parse(String s) throws UsageException {
            return Spellings.find(ImageTask.class, t -> t.spelling, s).orElseThrow(() -> new UsageException(
                    "unknown --task '" + s + "' (tasks: " + String.join(", ", Spellings.all(ImageTask.class,
                            t -> t.spelling)) + ")"));
        }
    }

    private ImageCommand() {
    }

    @Override
    public int call(PrintStream out, PrintStream err) throws Exception {
        // 1. Parse and check every option before loading anything
        ImageTask task = ImageTask.parse(required(modelOptions.task, "task"));
        Path out0 = required(inputs.out, "out");
        List<String> models = modelOptions.models;
        if (models.isEmpty()) {
            throw new UsageException("--models takes the Stable Diffusion folder and at most one extra folder");
        }
        String promptText = required(inputs.prompt, "prompt");
        TaskOptions options = options(task);
        FrameGenerator.Settings settings = settings(new Prompt(promptText, inputs.negativePrompt));
        Engine.Options engineOptions = engineFlags.options();
        ModelLocator locator = ModelsCommand.locator(modelOptions.download, ProgressBar.stderr());
        Path sd = locator.locate(models.getFirst(), Path.of("").toAbsolutePath());
        Path extra = extraFolder(task, models, locator);
        boolean fromText = task.library.needs() == Task.Needs.NOTHING || task == ImageTask.P2P;
        Image8 input = fromText ? null : ImageFiles.read(required(inputs.image, "image"));
        int[] size = size(input, m -> warn(err, m));
        if (input != null && (input.width() != size[0] || input.height() != size[1])) {
            warn(err, "--image " + inputs.image + " is " + input.size() + "; it is resized to " + size[0] + "x"
                    + size[1]);
        }
        Engine engine = new Engine(engineOptions);
        Path parent = out0.toAbsolutePath().getParent();
        if (parent != null) {
            FileTrees.createFolders(parent);   // an output that cannot be written fails before the work
        }
        // 2. The task of the catalogue on one frame: its models, its inputs
        ImageModels imageModels = new ImageModels(sd, task.library.network() == Network.UNET ? extra : null,
                task.library.network() == Network.UNET ? null : extra);
        Prompt prompt = settings.prompt();
        try (StableDiffusionModels sdModels = StableDiffusionModels.load(sd, imageModels.unet(), engine)) {
            PromptEncoder.truncationWarning(sdModels.tokenizer(), "--prompt", prompt.prompt()).ifPresent(m -> warn(err, m));
            PromptEncoder.truncationWarning(sdModels.tokenizer(), "--negative-prompt", prompt.negativePrompt())
                    .ifPresent(m -> warn(err, m));
        }
        FrameGenerator.Inputs frameInputs = frameInputs(task, extra, input, size, options);
        // 3. Make the image and write the PNG
        Tensor image = task.library.generator(imageModels, options, engine).generate(frameInputs, settings);
        ImageInputs.write(ImageModelFrames.toUnit(image), out0);
        out.printf(Locale.ROOT, "wrote %s (%dx%d, %s)%n", out0, size[0], size[1], task.spelling);
        return 0;
    }

    /**
     * The task's inputs for one image at {@code size}: the image in [0, 1] (blank for the tasks made from text), the
     * Canny edges of ControlNet and T2I-Adapter, the {@code --mask} of inpainting (and of outpainting, which repaints
     * the {@code --direction} bands without one).
     */
    private FrameGenerator.Inputs frameInputs(ImageTask task, Path extra, Image8 input, int[] size, TaskOptions options)
            throws Exception {
        int w = size[0];
        int h = size[1];
        Tensor image = input == null ? Tensor.zeros(1, 3, h, w) : ImageInputs.rgb(input, w, h);
        double low = taskFlags.cannyLow;
        double high = taskFlags.cannyHigh;
        Tensor condition = switch (task.library.network()) {
            case CONTROLNET -> ImageInputs.canny(input, w, h, low, high, 3);
            case T2I_ADAPTER -> ImageInputs.canny(input, w, h, low, high, T2IAdapterConfig.read(extra).inChannels());
            default -> null;
        };
        Tensor mask = inputs.mask != null && (task == ImageTask.INPAINT || task == ImageTask.OUTPAINT)
                ? ImageInputs.mask(inputs.mask, w, h) : null;
        return task.library.unitInputs(image, condition, mask, options);
    }

    /** The task's own options, each checked; the ones the task needs are required. */
    private TaskOptions options(ImageTask task) throws UsageException {
        TaskOptions defaults = task.library.defaultOptions();
        Outpainting.Direction direction = switch (taskFlags.direction) {
            case "horizontal" -> Outpainting.Direction.HORIZONTAL;
            case "vertical" -> Outpainting.Direction.VERTICAL;
            case String other -> throw new UsageException("--direction takes horizontal or vertical, got '" + other
                    + "'");
        };
        if (task == ImageTask.INPAINT) {
            required(inputs.mask, "mask");
        }
        double scale = task.library.network() == Network.T2I_ADAPTER ? taskFlags.adapterScale : taskFlags.controlScale;
        double strength = samplingOptions.strength != null ? samplingOptions.strength : defaults.strength();
        return new TaskOptions(taskFlags.imageGuidance, strength, scale, direction,
                task == ImageTask.P2P ? edit() : defaults.edit());
    }

    /** Prompt-to-Prompt from one seeded latent: the edited prompt's image, the source's to --source-out if given. */
    private Prompt2PromptFrames.Edit edit() throws UsageException {
        AttentionEdit.Type type = switch (p2pFlags.edit) {
            case "replace" -> AttentionEdit.Type.REPLACE;
            case "refine" -> AttentionEdit.Type.REFINE;
            case String other -> throw new UsageException("--edit takes refine or replace, got '" + other + "'");
        };
        List<String> words = p2pFlags.blendWords;
        Optional<Prompt2PromptPipeline.Blend> blend = words.isEmpty() ? Optional.empty()
                : Optional.of(new Prompt2PromptPipeline.Blend(words, p2pFlags.blendThreshold));
        Path file = p2pFlags.sourceOut;
        Optional<FrameGenerator.BatchSink> sourceOut = file == null ? Optional.empty()
                : Optional.of((batch, frames) -> ImageInputs.write(ImageModelFrames.toUnit(frames), file));
        return new Prompt2PromptFrames.Edit(required(p2pFlags.editedPrompt, "edited-prompt"), type,
                p2pFlags.crossReplace, p2pFlags.selfReplace, blend, Prompt2PromptFrames.Start.NOISE, sourceOut);
    }

    private FrameGenerator.Settings settings(Prompt prompt) {
        return new FrameGenerator.Settings(prompt, samplingOptions.steps, samplingOptions.guidance,
                samplingOptions.seed, 0, samplingOptions.maxBatch,
                Optional.ofNullable(samplingOptions.scheduler).map(SchedulerKind::byClassName), samplingOptions.eta,
                RunEvents.NONE);
    }

    /** The task's extra folder: the second {@code --models} entry or the named option, not both. */
    private Path extraFolder(ImageTask task, List<String> models, ModelLocator locator) throws IOException, UsageException {
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
