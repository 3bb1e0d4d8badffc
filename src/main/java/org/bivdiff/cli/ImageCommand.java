package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Tensor;
import org.bivdiff.io.FileTrees;
import org.bivdiff.io.Spellings;
import org.bivdiff.io.hub.ModelLocator;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.bivdiff.media.annotators.Canny;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.pipelines.AdapterPipeline;
import org.bivdiff.pipelines.ControlImage;
import org.bivdiff.pipelines.ControlNetPipeline;
import org.bivdiff.pipelines.ImageResult;
import org.bivdiff.pipelines.ImageToImagePipeline;
import org.bivdiff.pipelines.InpaintPipeline;
import org.bivdiff.pipelines.InstructPix2PixPipeline;
import org.bivdiff.pipelines.Outpainting;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.PromptEncoder;
import org.bivdiff.pipelines.RunNoise;
import org.bivdiff.pipelines.Sampling;
import org.bivdiff.pipelines.StableDiffusionModels;
import org.bivdiff.pipelines.TextToImagePipeline;
import org.bivdiff.pipelines.p2p.AttentionEdit;
import org.bivdiff.pipelines.p2p.Prompt2PromptPipeline;
import org.bivdiff.schedulers.SchedulerConfig;
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
            return Spellings.find(Task.class, t -> t.spelling, s).orElseThrow(() -> new UsageException("unknown --task '" + s + "' (tasks: txt2img, img2img, controlnet-canny, "
                    + "t2i-adapter-canny, ip2p, inpaint, outpaint, p2p)"));
        }
    }

    private ImageCommand() {
    }

    static int run(Args args, PrintStream out, PrintStream err) throws Exception {
        // 1. Parse and check every option before loading anything
        args.allow(OPTIONS);
        Task task = Task.parse(required(args, "task"));
        Path out0 = Path.of(required(args, "out"));
        List<String> models = args.all("models");
        if (models.isEmpty() || models.size() > 2) {
            throw new UsageException("--models takes the Stable Diffusion folder and at most one extra folder");
        }
        ModelLocator locator = ModelsCommand.locator(args.has("download"), ProgressBar.stderr());
        Path sd = locator.locate(models.getFirst(), Path.of("").toAbsolutePath());
        Path extra = extraFolder(args, task, models, locator);
        if (task == Task.P2P) {
            required(args, "edited-prompt");
        }
        boolean fromText = task == Task.TXT2IMG || task == Task.P2P;
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
        // 2. Load the models and run the task
        try (StableDiffusionModels sdModels = StableDiffusionModels.load(sd,
                "unet".equals(task.extraFolder) ? extra : null, engine)) {
            PromptEncoder.truncationWarning(sdModels.tokenizer(), "--prompt", prompt.prompt()).ifPresent(m -> warn(err, m));
            PromptEncoder.truncationWarning(sdModels.tokenizer(), "--negative-prompt", prompt.negativePrompt())
                    .ifPresent(m -> warn(err, m));
            Sampling sampling = sampling(args, sd, sdModels);
            ImageResult result = runTask(task, args, sdModels, extra, engine, prompt, input, size, sampling);
            // 3. Write the PNG
            ImageInputs.write(result.image(), out0);
        }
        out.printf(Locale.ROOT, "wrote %s (%dx%d, %s)%n", out0, size[0], size[1], task.spelling);
        return 0;
    }

    private static ImageResult runTask(Task task, Args args, StableDiffusionModels sd, Path extra, Engine engine,
                                       Prompt prompt, Image8 input, int[] size, Sampling sampling) throws Exception {
        int w = size[0];
        int h = size[1];
        double low = args.number("canny-low", Canny.DEFAULT_LOW);
        double high = args.number("canny-high", Canny.DEFAULT_HIGH);
        return switch (task) {
            case TXT2IMG -> new TextToImagePipeline(sd).run(new TextToImagePipeline.Request(prompt, 1, h, w, sampling));
            case IMG2IMG -> new ImageToImagePipeline(sd).run(new ImageToImagePipeline.Request(prompt,
                    ImageInputs.rgb(input, w, h), args.number("strength", 0.8), sampling));
            case CONTROLNET_CANNY -> {
                try (ControlNetModel controlNet = ControlNetModel.load(extra, engine)) {
                    Tensor cond = ImageInputs.canny(input, w, h, low, high, 3);
                    ControlImage control = new ControlImage(cond, args.number("control-scale", 1.0), 0.0, 1.0);
                    yield new ControlNetPipeline(sd, List.of(controlNet)).run(new ControlNetPipeline.Request(prompt,
                            List.of(control), h, w, sampling));
                }
            }
            case T2I_ADAPTER_CANNY -> {
                try (T2IAdapter adapter = T2IAdapter.load(extra, engine)) {
                    Tensor cond = ImageInputs.canny(input, w, h, low, high, adapter.config().inChannels());
                    yield new AdapterPipeline(sd, adapter).run(new AdapterPipeline.Request(prompt, cond,
                            args.number("adapter-scale", 1.0), h, w, sampling));
                }
            }
            case IP2P -> new InstructPix2PixPipeline(sd).run(new InstructPix2PixPipeline.Request(prompt,
                    ImageInputs.rgb(input, w, h), args.number("image-guidance", 1.5), sampling)).images();
            case INPAINT -> new InpaintPipeline(sd).run(new InpaintPipeline.Request(prompt, ImageInputs.rgb(input, w, h),
                    ImageInputs.mask(Path.of(required(args, "mask")), w, h), args.number("strength", 1.0),
                    sampling)).images();
            case OUTPAINT -> outpaint(args, sd, prompt, ImageInputs.rgb(input, w, h), sampling);
            case P2P -> promptToPrompt(args, sd, prompt, h, w, sampling);
        };
    }

    /** Prompt-to-Prompt from one seeded latent: the edited prompt's image, the source's to --source-out if given. */
    private static ImageResult promptToPrompt(Args args, StableDiffusionModels sd, Prompt prompt, int h, int w,
                                              Sampling sampling) throws Exception {
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
        double crossReplace = args.number("cross-replace", Prompt2PromptPipeline.DEFAULT_REPLACE_STEPS);
        double selfReplace = args.number("self-replace", Prompt2PromptPipeline.DEFAULT_REPLACE_STEPS);
        Prompt2PromptPipeline.Result r;
        try (Prompt2PromptPipeline pipeline = new Prompt2PromptPipeline(sd)) {
            r = pipeline.run(new Prompt2PromptPipeline.Request(prompt.prompt(), required(args, "edited-prompt"),
                    prompt.negativePrompt(), type, crossReplace, selfReplace, blend, Optional.empty(), h, w, sampling));
        }
        ImageResult both = r.images();
        if (args.has("source-out")) {
            ImageInputs.write(both.image().slice0(0, 1), Path.of(args.one("source-out", null)));
        }
        return new ImageResult(both.latents().slice0(1, 2), both.imageDecoded().slice0(1, 2),
                both.image().slice0(1, 2), both.trace());
    }

    /** BIVDiff's border mask ({@code --direction}), or the given {@code --mask}. */
    private static ImageResult outpaint(Args args, StableDiffusionModels sd, Prompt prompt, Tensor image,
                                        Sampling sampling) throws Exception {
        if (args.has("mask")) {
            Tensor mask = ImageInputs.mask(Path.of(args.one("mask", null)), image.dim(3), image.dim(2));
            return new InpaintPipeline(sd).run(new InpaintPipeline.Request(prompt, image, mask, 1.0, sampling))
                    .images();
        }
        Outpainting.Direction direction = switch (args.one("direction", "vertical")) {
            case "vertical" -> Outpainting.Direction.VERTICAL;
            case "horizontal" -> Outpainting.Direction.HORIZONTAL;
            case String other -> throw new UsageException("--direction takes vertical or horizontal, got '" + other + "'");
        };
        return new Outpainting(sd).run(new Outpainting.Request(prompt, image, direction, sampling)).images();
    }

    /** The task's extra folder: the second {@code --models} entry or the named option, not both. */
    private static Path extraFolder(Args args, Task task, List<String> models, ModelLocator locator)
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

    private static Sampling sampling(Args args, Path folder, StableDiffusionModels sd) throws Exception {
        SchedulerConfig scheduler = sd.scheduler();
        String kind = args.one("scheduler", null);
        if (kind != null) {
            scheduler = SchedulerConfig.read(StableDiffusionModels.schedulerConfigFile(folder),
                    SchedulerKind.byClassName(kind));
        }
        return Sampling.of(scheduler, args.integer("steps", 50), args.number("guidance", 7.5),
                RunNoise.seeded(args.longInteger("seed", 0))).withEta(args.number("eta", 0.0))
                .withMaxBatch(args.integer("max-batch", 0));
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
