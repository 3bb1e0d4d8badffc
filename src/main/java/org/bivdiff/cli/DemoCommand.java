package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.bivdiff.bivdiff.FrameGenerator;
import org.bivdiff.cli.config.RunConfig;
import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.FileTrees;
import org.bivdiff.media.Image8;
import org.bivdiff.media.VideoWriter;
import org.bivdiff.models.random.TinyModels;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bivdiff demo}: the whole chain on tiny random-weight models, in a couple of minutes on a
 * laptop. It writes the models (deterministic, cached; a tiny CLIP for {@code bivdiff eval} and
 * {@code ablate} too), a synthetic clip of moving shapes and a run config, then runs ControlNet-canny, mixed
 * inversion and a tiny UNet3D exactly as {@code bivdiff run} does. The weights are random: the output shows the chain works, not what BIVDiff can do.
 */
@Command(name = "demo", sortOptions = false, description = {
        "the whole chain on tiny RANDOM-weight models and a synthetic clip (outputs/demo, then demo-2, ...)"})
final class DemoCommand implements CliCommand {

    /** Bump when the tiny models change, so cached ones are rebuilt. */
    private static final String MODELS_VERSION = "demo-models-v2";
    private static final long SEED = 2024;

    @Option(names = "--output", paramLabel = "DIR", order = 1,
            description = "the run folder (default: outputs/demo, or the next free outputs/demo-N)")
    String output;

    @Option(names = "--cache", paramLabel = "DIR", order = 2,
            description = "where the tiny models are kept (default: the user's cache)")
    String cache;

    @Option(names = "--resume", order = 3, description = "continue the newest demo folder")
    boolean resume;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "10", order = 4,
            description = "DDIM steps of every stage (default: ${DEFAULT-VALUE})")
    int steps;

    @ArgGroup(validate = false, heading = "%nEngine:%n", order = 100)
    EngineFlags engine = new EngineFlags();

    @Mixin
    CommonOptions common;

    @Override
    public int call(PrintStream out, PrintStream err) throws Exception {
        Path cache = cacheFolder(this.cache);
        ProgressBar progress = ProgressBar.stderr();
        Path models = tinyModels(cache, progress);
        Path output = outputFolder(this.output, resume);
        Files.createDirectories(output);
        Path config = output.resolve("demo.yaml");
        if (!resume || !Files.exists(config)) {
            Files.writeString(config, config(models, output, steps));
        }
        progress.note("demo: random tiny models in " + models + "; run folder " + output);
        RunConfig run = RunConfigReader.read(config, List.of(), null);
        Engine engine = new Engine(this.engine.options());
        boolean hasRun = Files.exists(output.resolve("run.json"));
        int code = RunCommand.execute(run, resume && hasRun, FrameGenerator.defaultMaxBatch(engine.options().provider()),
                engine, out, progress, "--output DIR", true);
        out.println("score it (with the demo's random tiny CLIP): bin/bivdiff eval " + output + " --clip "
                + models.resolve("clip-model"));
        return code;
    }

    /** The run config the demo writes next to its outputs: an example of the schema as well. */
    static String config(Path models, Path output, int steps) {
        return """
                # bivdiff demo: tiny RANDOM-weight models, so the video shows the chain works, nothing more.
                # With real weights the same file reads, for example:
                #   models: {stable_diffusion: checkpoints/stable-diffusion-v1-5,
                #            controlnet: checkpoints/ControlNet/control_v11p_sd15_canny,
                #            video: checkpoints/ZeroScope/zeroscope_v2_576w}
                #   width: 512, height: 512, steps: 50
                task: controlnet
                condition: canny
                prompt: a red square sliding past a blue ball
                video: %s
                models:
                  stable_diffusion: %s
                  controlnet: %s
                  video: %s
                video_length: 8
                frame_rate: 1
                width: 64
                height: 64
                steps: %d
                guidance_scale: 7.5
                seed: 42
                output: %s
                fps: 8
                """.formatted(models.resolve("clip.mp4"), models.resolve("stable-diffusion"),
                models.resolve("controlnet-canny"), models.resolve("zeroscope"), steps, output);
    }

    /** The cached tiny models and clip, made once (atomically: a half-written cache is never used). */
    static Path tinyModels(Path cache, ProgressBar progress) throws IOException {
        Path folder = cache.resolve(MODELS_VERSION);
        if (Files.exists(folder.resolve(".complete"))) {
            return folder;
        }
        progress.note("demo: writing tiny random-weight models to " + folder);
        Path tmp = FileTrees.createPartialFolder(cache);
        TinyModels.stableDiffusion(tmp.resolve("stable-diffusion"), SEED);
        TinyModels.controlNet(tmp.resolve("controlnet-canny"), SEED + 10);
        TinyModels.videoModel(tmp.resolve("zeroscope"), SEED + 20);
        TinyModels.clip(tmp.resolve("clip-model"), SEED + 30);
        VideoWriter.write(movingShapes(16, 64, 64), tmp.resolve("clip.mp4"), 8);
        Files.writeString(tmp.resolve(".complete"), MODELS_VERSION + "\n");
        if (Files.exists(folder)) {
            FileTrees.deleteTree(folder);
        }
        Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
        return folder;
    }

    /** A clip of a red square moving right and a blue ball moving down over a soft gradient. */
    static List<Image8> movingShapes(int frames, int height, int width) {
        List<Image8> clip = new ArrayList<>();
        for (int f = 0; f < frames; f++) {
            byte[] px = new byte[height * width * 3];
            int sx = 4 + f * (width - 24) / Math.max(1, frames - 1);
            int cy = 8 + f * (height - 24) / Math.max(1, frames - 1);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int r = 40 + 120 * x / width;
                    int g = 90 + 60 * y / height;
                    int b = 70;
                    if (x >= sx && x < sx + 14 && y >= height / 2 && y < height / 2 + 14) {
                        r = 220;
                        g = 30;
                        b = 30;
                    }
                    int dx = x - width / 4;
                    int dy = y - cy;
                    if (dx * dx + dy * dy < 64) {
                        r = 30;
                        g = 60;
                        b = 220;
                    }
                    int i = (y * width + x) * 3;
                    px[i] = (byte) r;
                    px[i + 1] = (byte) g;
                    px[i + 2] = (byte) b;
                }
            }
            clip.add(new Image8(height, width, 3, px));
        }
        return clip;
    }

    /** The demo's run folder: the given one, a new numbered one, or with --resume the newest. */
    private static Path outputFolder(String given, boolean resume) throws IOException {
        if (given != null) {
            return Path.of(given).toAbsolutePath().normalize();
        }
        Path parent = Path.of("outputs").toAbsolutePath();
        List<Path> existing = new ArrayList<>();
        if (Files.isDirectory(parent)) {
            try (Stream<Path> s = Files.list(parent)) {
                s.filter(p -> p.getFileName().toString().matches("demo(-\\d+)?")).forEach(existing::add);
            }
        }
        existing.sort(Comparator.comparingInt(DemoCommand::number));
        if (resume) {
            if (existing.isEmpty()) {
                throw new IOException("--resume: no demo run under " + parent + " to continue");
            }
            return existing.getLast();
        }
        return parent.resolve(existing.isEmpty() ? "demo" : "demo-" + (number(existing.getLast()) + 1));
    }

    private static int number(Path p) {
        String n = p.getFileName().toString();
        return n.equals("demo") ? 1 : Integer.parseInt(n.substring(5));
    }

    private static Path cacheFolder(String given) {
        if (given != null) {
            return Path.of(given).toAbsolutePath();
        }
        String env = System.getenv("BIVDIFF_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("bivdiff");
    }
}
