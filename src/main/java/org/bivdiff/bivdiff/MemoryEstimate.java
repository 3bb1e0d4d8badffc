package org.bivdiff.bivdiff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.DType;
import org.bivdiff.io.MemoryStats;
import org.bivdiff.io.TensorInfo;

/**
 * A run's peak resident memory, estimated per stage before anything runs, against the machine's. Each stage
 * holds its models' weights (at the engine's compute precision: fp16 files are widened for fp32) and the
 * activations of its largest network call, which grow with the rows of the call, the latent pixels and the
 * UNet's first width. The factors are fitted to what {@code bivdiff bench} measured on SD 1.5 and ZeroScope
 * at 512 x 512 (see {@link FrameGenerator#DEFAULT_MAX_BATCH} and the video UNet's chunking in
 * {@link InversionAndSmoothing}): 6.9 GB for ControlNet's stage with 2 rows and 16.3 GB with 16, 8.1 GB for
 * one 8-frame video through the video UNet with 4.4 GB of weights. An estimate, not a bound: it is there to
 * refuse what cannot fit before minutes of work, and to say what to change.
 */
public final class MemoryEstimate {

    /** Image UNet (with its ControlNet or adapter) activations per row, latent pixel and first-level channel. */
    static final long IMAGE_UNET_BYTES = 512;
    /** Video UNet activations per frame, latent pixel and first-level channel. */
    static final long VIDEO_UNET_BYTES = 353;
    /** VAE activations per image pixel and first-level channel (about eight full-size maps alive at once). */
    static final long VAE_BYTES = 32;
    /** The Java and ONNX Runtime processes with nothing loaded, and the host tensors of a run. */
    static final long BASE_BYTES = 600L << 20;

    /**
     * One stage's share.
     *
     * @param name        the stage, as progress names it
     * @param weights     bytes of the models it holds
     * @param activations bytes of its largest call
     * @param rows        rows of that call (frames x guidance branches for an image UNet; frames for the video UNet)
     */
    public record Stage(String name, long weights, long activations, int rows) {

        public long total() {
            return BASE_BYTES + weights + activations;
        }
    }

    /** The machine's memory: {@code MemTotal} and {@code MemAvailable} of {@code /proc/meminfo}, in bytes. */
    public record Machine(long total, long available) {

        /** This machine, or empty where {@code /proc/meminfo} cannot be read (not Linux). */
        public static Optional<Machine> read() {
            try {
                long total = -1;
                long available = -1;
                for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                    if (line.startsWith("MemTotal:")) {
                        total = kilobytes(line);
                    } else if (line.startsWith("MemAvailable:")) {
                        available = kilobytes(line);
                    }
                }
                return total > 0 ? Optional.of(new Machine(total, available > 0 ? available : total)) : Optional.empty();
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }

        private static long kilobytes(String line) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
    }

    private MemoryEstimate() {
    }

    /** The image UNet's activations for {@code rows} rows of latents {@code h x w}, first width {@code c0}. */
    static long imageUnet(int rows, long h, long w, int c0) {
        return IMAGE_UNET_BYTES * rows * h * w * c0;
    }

    /** The video UNet's activations for one video of {@code frames} frames of latents {@code h x w}. */
    static long videoUnet(int frames, long h, long w, int c0) {
        return VIDEO_UNET_BYTES * frames * h * w * c0;
    }

    /** The VAE's activations for one image of {@code height x width}, first width {@code c0}. */
    static long vae(long height, long width, int c0) {
        return VAE_BYTES * height * width * c0;
    }

    /** Bytes the weights of the checkpoint in {@code folder} take at {@code computeType}. */
    static long weights(Path folder, DType computeType) throws IOException {
        Checkpoint.Variant variant = computeType == DType.F16 ? Checkpoint.Variant.FP16 : Checkpoint.Variant.DEFAULT;
        try (Checkpoint c = Checkpoint.open(folder, variant)) {
            return weights(c, computeType);
        }
    }

    /** The bytes the weights of {@code c} take in a graph computing in {@code computeType}. */
    static long weights(Checkpoint c, DType computeType) {
        long bytes = 0;
        for (String name : c.names()) {
            TensorInfo t = c.info(name).orElseThrow();
            bytes += t.numel() * (t.dtype().isFloating() ? computeType.byteSize() : t.dtype().byteSize());
        }
        return bytes;
    }

    /**
     * The resident size a background load may bring this process to, counting the loaded model and the running stage's
     * activations still to come. Loading ahead saves tens of seconds a model, but the paper-default run (8 frames at
     * 512 x 512) holds 9.3 GB at its smoothing already: loading the video UNet beside the image UNet's inversion took it
     * to 10.5 GB. Under this budget the small runs, where loads weigh most, still load ahead.
     */
    static final long PRELOAD_BUDGET = 10L << 30;

    /**
     * Whether a model of {@code weights} bytes may load now, on a background thread, beside {@code activations} bytes
     * the running stage has still to allocate: this machine's free memory ({@code MemAvailable}) holds it, and this
     * process stays within {@link #PRELOAD_BUDGET}. False where the memory cannot be read.
     */
    static boolean fitsBeside(long weights, long activations) {
        long resident = MemoryStats.rss();
        return resident >= 0 && Machine.read().map(m -> fitsBeside(m, resident, weights, activations)).orElse(false);
    }

    /**
     * The rule of {@link #fitsBeside(long, long)} for a machine and this process's resident size. A load holds up to
     * twice its weights while ONNX Runtime prepacks them, from memory other processes may want too; once loaded, the
     * model holds its weights.
     */
    static boolean fitsBeside(Machine m, long resident, long weights, long activations) {
        return m.available() >= 2 * weights + activations && resident + weights + activations <= PRELOAD_BUDGET;
    }

    /** The stage with the highest total. */
    static Stage peak(List<Stage> stages) {
        return stages.stream().max(Comparator.comparingLong(Stage::total)).orElseThrow();
    }

    /** Bytes as gigabytes with one decimal ({@code "6.9 GB"}). */
    public static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
}
