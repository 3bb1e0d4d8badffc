package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.bivdiff.bivdiff.FrameGenerator;
import org.bivdiff.bivdiff.ImageModelFrames;
import org.bivdiff.bivdiff.ImageModels;
import org.bivdiff.bivdiff.Prompt2PromptFrames;
import org.bivdiff.bivdiff.Task;
import org.bivdiff.bivdiff.Task.Network;
import org.bivdiff.bivdiff.TaskOptions;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Tensor;
import org.bivdiff.io.FileTrees;
import org.bivdiff.io.Spellings;
import org.bivdiff.io.hub.ModelLocator;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.bivdiff.media.annotators.Canny;
import org.bivdiff.models.adapter.T2IAdapterConfig;
import org.bivdiff.pipelines.Outpainting;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.PromptEncoder;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.pipelines.StableDiffusionModels;
import org.bivdiff.pipelines.p2p.AttentionEdit;
import org.bivdiff.pipelines.p2p.Prompt2PromptPipeline;
import org.bivdiff.schedulers.SchedulerKind;

/**
 * {@code bivdiff image}: one image-model task on one image, written as a PNG. {@code --models} takes the Stable
 * Diffusion pipeline folder, then optionally the task's extra folder (the ControlNet, the adapter, or the
 * InstructPix2Pix / inpainting UNet); {@code --controlnet}, {@code --adapter} and {@code --unet} name it instead.
 */
final class ImageCommand {

    static final String USAGE = """
              image --task TASK --models SD_DIR [EXTRA_DIR] --prompt TEXT --out OUT.png [OPTIONS]
                    run one image model (BIVDiff's image-model stage) on one image
                    TASK: txt2img | img2img | controlnet-canny | t2i-adapter-canny | ip2p | inpaint | outpaint | p2p
                    SD_DIR: a Stable Diffusion pipeline folder (tokenizer, text_encoder, unet, vae, scheduler);
                    EXTRA_DIR (or --controlnet DIR | --adapter DIR | --unet DIR): the ControlNet for controlnet-canny,
                    the T2I-Adapter for t2i-adapter-canny, the 8-channel UNet for ip2p, the 9-channel UNet for
                    inpaint / outpaint; any folder may be a model id in the Hugging Face cache
                    (ORG/NAME[@REVISION][/SUBFOLDER]); --download pulls the ones it lacks
                    --image IN.png (all tasks but txt2img)   --mask M.png (inpaint; outpaint instead of --direction)
                    --direction vertical|horizontal (outpaint, default vertical: left and right quarters repainted)
                    --negative-prompt TEXT   --steps N (50)   --guidance G (7.5)   --image-guidance G (ip2p, 1.5)
                    --strength S (img2img 0.8, inpaint 1)   --seed S (0)   --scheduler CLASS (default: the folder's)
                    --eta E (DDIM)   --height H --width W (default: the input's size rounded down to 8, else 512)
                    --canny-low L --canny-high H (100, 200)   --control-scale S (1)   --adapter-scale S (1)
                    --max-batch N (rows per UNet call, 0 = all)   --provider cpu|cuda   --threads N
                    --precision auto|fp32|fp16
                    p2p (Prompt-to-Prompt, writes the edited image): --edited-prompt TEXT   --edit replace|refine
                    (replace)   --cross-replace F --self-replace F (0.4)   --blend-words SRC_WORD EDITED_WORD
                    --blend-threshold T (0.3)   --source-out SRC.png (also write the source prompt's image)
            """;

    private static final Set<String> OPTIONS = EngineFlags.with(Set.of("task", "models", "controlnet", "adapter", "unet",
            "prompt", "negative-prompt", "image", "mask", "direction", "steps", "guidance", "image-guidance", "strength",
            "seed", "scheduler", "eta", "height", "width", "canny-low", "canny-high", "control-scale", "adapter-scale",
            "max-batch", "out", "edited-prompt", "edit", "cross-replace", "self-replace", "blend-words",
            "blend-threshold", "source-out", "download"));

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
            return Spellings.find(ImageTask.class, t -> t.spelling, s).orElseThrow(() -> new UsageException("unknown --task '" + s + "' (tasks: txt2img, img2img, controlnet-canny, "
                    + "t2i-adapter-canny, ip2p, inpaint, outpaint, p2p)"));
        }
    }

    private ImageCommand() {
    }

    static int run(Args args, PrintStream out, PrintStream err) throws Exception {
        // 1. Parse and check every option before loading anything
        args.allow(OPTIONS);
        ImageTask task = ImageTask.parse(required(args, "task"));
        Path out0 = Path.of(required(args, "out"));
        List<String> models = args.all("models");
        if (models.isEmpty() || models.size() > 2) {
            throw new UsageException("--models takes the Stable Diffusion folder and at most one extra folder");
        }
        ModelLocator locator = ModelsCommand.locator(args.has("download"), ProgressBar.stderr());
        Path sd = locator.locate(models.getFirst(), Path.of("").toAbsolutePath());
        Path extra = extraFolder(args, task, models, locator);
        if (task == ImageTask.P2P) {
            required(args, "edited-prompt");
        }
        boolean fromText = task.library.needs() == Task.Needs.NOTHING || task == ImageTask.P2P;
        Image8 input = fromText ? null : ImageFiles.read(Path.of(required(args, "image")));
        int[] size = size(args, input);
        if (input != null && (input.width() != size[0] || input.height() != size[1])) {
            warn(err, "--image " + args.one("image", null) + " is " + input.size() + "; it is resized to " + size[0] + "x"
                    + size[1]);
        }
        Prompt prompt = new Prompt(required(args, "prompt"), args.one("negative-prompt", ""));
        Engine engine = new Engine(EngineFlags.parse(args));
        Path parent = out0.toAbsolutePath().getParent();
        if (parent != null) {
            FileTrees.createFolders(parent);   // an output that cannot be written fails before the work
        }
        TaskOptions options = options(args, task);
        FrameGenerator.Settings settings = settings(args, prompt);
        // 2. The task of the catalogue on one frame: its models, its inputs
        ImageModels imageModels = new ImageModels(sd, task.library.network() == Network.UNET ? extra : null,
                task.library.network() == Network.UNET ? null : extra);
        try (StableDiffusionModels sdModels = StableDiffusionModels.load(sd, imageModels.unet(), engine)) {
            PromptEncoder.truncationWarning(sdModels.tokenizer(), "--prompt", prompt.prompt()).ifPresent(m -> warn(err, m));
            PromptEncoder.truncationWarning(sdModels.tokenizer(), "--negative-prompt", prompt.negativePrompt())
                    .ifPresent(m -> warn(err, m));
        }
        FrameGenerator.Inputs inputs = inputs(args, task, extra, input, size, options);
        // 3. Make the image and write the PNG
        Tensor image = task.library.generator(imageModels, options, engine).generate(inputs, settings);
        ImageInputs.write(ImageModelFrames.toUnit(image), out0);
        out.printf(Locale.ROOT, "wrote %s (%dx%d, %s)%n", out0, size[0], size[1], task.spelling);
        return 0;
    }

    /**
     * The task's inputs for one image at {@code size}: the image in [0, 1] (blank for the tasks made from text), the
     * Canny edges of ControlNet and T2I-Adapter, the {@code --mask} of inpainting (and of outpainting, which repaints
     * the {@code --direction} bands without one).
     */
    private static FrameGenerator.Inputs inputs(Args args, ImageTask task, Path extra, Image8 input, int[] size,
                                                TaskOptions options) throws Exception {
        int w = size[0];
        int h = size[1];
        Tensor image = input == null ? Tensor.zeros(1, 3, h, w) : ImageInputs.rgb(input, w, h);
        double low = args.number("canny-low", Canny.DEFAULT_LOW);
        double high = args.number("canny-high", Canny.DEFAULT_HIGH);
        Tensor condition = switch (task.library.network()) {
            case CONTROLNET -> ImageInputs.canny(input, w, h, low, high, 3);
            case T2I_ADAPTER -> ImageInputs.canny(input, w, h, low, high, T2IAdapterConfig.read(extra).inChannels());
            default -> null;
        };
        if (task == ImageTask.INPAINT) {
            required(args, "mask");
        }
        Tensor mask = args.has("mask") && (task == ImageTask.INPAINT || task == ImageTask.OUTPAINT)
                ? ImageInputs.mask(Path.of(args.one("mask", null)), w, h) : null;
        return task.library.unitInputs(image, condition, mask, options);
    }

    /** The task's own options: strength, scales, outpainting bands, Prompt-to-Prompt's edit. */
    private static TaskOptions options(Args args, ImageTask task) throws Exception {
        TaskOptions defaults = task.library.defaultOptions();
        Outpainting.Direction direction = switch (args.one("direction", "vertical")) {
            case "vertical" -> Outpainting.Direction.VERTICAL;
            case "horizontal" -> Outpainting.Direction.HORIZONTAL;
            case String other -> throw new UsageException("--direction takes vertical or horizontal, got '" + other + "'");
        };
        double scale = args.number(task.library.network() == Network.T2I_ADAPTER ? "adapter-scale" : "control-scale",
                defaults.conditioningScale());
        return new TaskOptions(args.number("image-guidance", defaults.imageGuidanceScale()),
                args.number("strength", defaults.strength()), scale, direction,
                task == ImageTask.P2P ? edit(args) : defaults.edit());
    }

    /** Prompt-to-Prompt from one seeded latent: the edited prompt's image, the source's to --source-out if given. */
    private static Prompt2PromptFrames.Edit edit(Args args) throws Exception {
        AttentionEdit.Type type = switch (args.one("edit", "replace")) {
            case "replace" -> AttentionEdit.Type.REPLACE;
            case "refine" -> AttentionEdit.Type.REFINE;
            case String other -> throw new UsageException("--edit takes replace or refine, got '" + other + "'");
        };
        List<String> words = args.all("blend-words");
        if (!words.isEmpty() && words.size() != 2) {
            throw new UsageException("--blend-words takes the source prompt's word and the edited prompt's word");
        }
        Optional<Prompt2PromptPipeline.Blend> blend = words.isEmpty() ? Optional.empty()
                : Optional.of(new Prompt2PromptPipeline.Blend(words,
                        args.number("blend-threshold", Prompt2PromptPipeline.Blend.DEFAULT_THRESHOLD)));
        Optional<FrameGenerator.BatchSink> sourceOut = Optional.empty();
        if (args.has("source-out")) {
            Path file = Path.of(args.one("source-out", null));
            sourceOut = Optional.of((batch, frames) -> ImageInputs.write(ImageModelFrames.toUnit(frames), file));
        }
        return new Prompt2PromptFrames.Edit(required(args, "edited-prompt"), type,
                args.number("cross-replace", Prompt2PromptPipeline.DEFAULT_REPLACE_STEPS),
                args.number("self-replace", Prompt2PromptPipeline.DEFAULT_REPLACE_STEPS), blend,
                Prompt2PromptFrames.Start.NOISE, sourceOut);
    }

    /** The task's extra folder: the second {@code --models} entry or the named option, not both. */
    private static Path extraFolder(Args args, ImageTask task, List<String> models, ModelLocator locator)
            throws IOException, UsageException {
        String named = task.extraFolder == null ? null : args.one(task.extraFolder, null);
        for (String option : List.of("controlnet", "adapter", "unet")) {
            if (args.has(option) && !option.equals(task.extraFolder)) {
                throw new UsageException("--" + option + " is not used by --task " + task.spelling);
            }
        }
        if (models.size() == 2 && named != null) {
            throw new UsageException("give the " + task.extraFolder + " folder once: as the second --models folder or"
                    + " as --" + task.extraFolder);
        }
        String folder = models.size() == 2 ? models.get(1) : named;
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

    /** {width, height}: the options, else the input's size rounded down to 8, else 512. */
    private static int[] size(Args args, Image8 input) throws UsageException {
        int[] fallback = input == null ? new int[] {512, 512} : ImageInputs.defaultSize(input);
        return new int[] {args.integer("width", fallback[0]), args.integer("height", fallback[1])};
    }

    private static FrameGenerator.Settings settings(Args args, Prompt prompt) throws Exception {
        String kind = args.one("scheduler", null);
        return new FrameGenerator.Settings(prompt, args.integer("steps", 50), args.number("guidance", 7.5),
                args.longInteger("seed", 0), 0, args.integer("max-batch", 0),
                Optional.ofNullable(kind).map(SchedulerKind::byClassName), args.number("eta", 0.0), RunEvents.NONE);
    }

    private static void warn(PrintStream err, String message) {
        err.println("warning: " + message);
    }

    private static String required(Args args, String name) throws UsageException {
        String v = args.one(name, null);
        if (v == null) {
            throw new UsageException("--" + name + " is required");
        }
        return v;
    }
}
