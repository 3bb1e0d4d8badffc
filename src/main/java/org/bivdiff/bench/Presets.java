package org.bivdiff.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.bivdiff.bivdiff.TemporalWindows;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Model;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.clip.ClipTextConfig;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.random.FullSizeModels;
import org.bivdiff.models.random.TinyModels;
import org.bivdiff.models.random.WeightsFormat;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.models.unet3d.UNet3DConditionModel;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;

/**
 * The named benchmarks: each network at the shapes BIVDiff runs it (classifier-free guidance
 * doubles the UNet and ControlNet batch; 512x512 frames are 64x64 latents). A new network is one
 * {@link FullSizeModels} config and one entry in {@link #ALL}.
 */
public final class Presets {

    /** The seed of every random-weight model and input. */
    static final long SEED = 20240801L;

    /**
     * What sources build with.
     *
     * @param engine  the engine whose precision the graphs are built in
     * @param weights how the full-size models' weights are stored (F32, F16 as the fp16 variant, or F32 pickles)
     */
    public record Context(ModelCache cache, Engine engine, WeightsFormat weights, Consumer<String> log) {

        /** The cached folder of a full-size model, written on first use. */
        public Path folder(FullSizeModels.Component component) throws IOException {
            return cache.folder(component, SEED, weights, log);
        }

        /** Fresh deterministic random numbers for inputs. */
        public SplittableRandom random() {
            return new SplittableRandom(SEED);
        }
    }

    /**
     * A named benchmark.
     *
     * @param fullSize part of the default set (the full-size networks; the pipeline runs take too long)
     */
    public record Preset(String name, String description, boolean fullSize, Workload workload) {

        /** Writes the models the preset needs, if they are not cached; run before anything is timed. */
        public void prepare(Context c) throws IOException {
            switch (workload) {
                case Networks n -> n.source().targets(c);
                case WholeRun r -> r.models().folders(c);
            }
        }

        /** How many fresh JVMs the preset takes: one for its networks, one per whole run. */
        public int processes() {
            return workload instanceof WholeRun r ? r.specs().size() : 1;
        }

        /**
         * Options of the child JVMs: a whole run with a fixed heap gets it committed and touched from the start
         * ({@code -Xms = -Xmx}, {@code AlwaysPreTouch}), so that its peak resident size is what the run keeps, not
         * how far the garbage collector let the heap grow before collecting (which grows with the work done).
         */
        public List<String> jvmOptions() {
            if (workload instanceof WholeRun r && r.heapMb() > 0) {
                return List.of("-Xms" + r.heapMb() + "m", "-Xmx" + r.heapMb() + "m", "-XX:+AlwaysPreTouch");
            }
            return List.of();
        }
    }

    /** What a preset runs. */
    public sealed interface Workload permits Networks, WholeRun {
    }

    /** Networks timed one by one ({@link BenchRunner}). */
    public record Networks(Source source) implements Workload {
    }

    /**
     * Whole BIVDiff runs ({@link PipelineBench}), each in its own JVM so that each peak is its own.
     *
     * @param specs  the runs' sizes, in order
     * @param models the models they run
     * @param heapMb a fixed Java heap for each run's JVM, in MB, or 0 for the JVM's default
     */
    public record WholeRun(List<PipelineBench.Spec> specs, RunModels models, int heapMb) implements Workload {

        public WholeRun {
            specs = List.copyOf(specs);
            if (specs.isEmpty() || heapMb < 0) {
                throw new IllegalArgumentException("a whole-run preset needs runs and a heap >= 0, got " + specs
                        + ", " + heapMb + " MB");
            }
        }

        /** One run on the full-size models, with the JVM's default heap. */
        public static WholeRun fullSize(PipelineBench.Spec spec) {
            return new WholeRun(List.of(spec), RunModels.FULL_SIZE, 0);
        }
    }

    /** The models of a whole run. */
    public enum RunModels {
        /** The full-size random-weight models ({@link PipelineFolders#prepare}). */
        FULL_SIZE,
        /** The tiny test models ({@link PipelineFolders#tiny}). */
        TINY;

        /** Their folders, written first if they are not cached. */
        public PipelineFolders folders(Context c) throws IOException {
            return this == FULL_SIZE ? PipelineFolders.prepare(c) : PipelineFolders.tiny(c);
        }
    }

    /** Builds a preset's targets, writing its models first if they are not cached. */
    @FunctionalInterface
    public interface Source {
        List<Target> targets(Context c) throws IOException;
    }

    public static final List<Preset> ALL = List.of(
            networks("unet2d", "SD 1.5 UNet, batch 2 (CFG), 64x64 and 32x32 latents", true, c -> {
                Path f = c.folder(FullSizeModels.sd15Unet());
                return List.of(Target.timed("unet2d", () -> unet2d(c, f), m -> List.of(unet(c.random(), 2, 64, 768),
                        unet(c.random(), 2, 32, 768))));
            }),
            networks("controlnet", "ControlNet v1.1 canny, batch 2, 64x64 and 32x32 latents", true, c -> {
                Path f = c.folder(FullSizeModels.controlNetCanny());
                return List.of(Target.timed("controlnet", () -> ControlNetModel.load(f, c.engine()).graph(), m -> List.of(
                        controlNet(c.random(), m, 2, 64, 8, 768), controlNet(c.random(), m, 2, 32, 8, 768))));
            }),
            networks("vae", "SD 1.5 VAE encode and decode, one 512x512 and one 256x256 image", true, c -> vae(c,
                    c.folder(FullSizeModels.sd15Vae()), 8, 512, 256)),
            networks("clip-l", "CLIP ViT-L/14 text encoder (SD 1.5), [2, 77] tokens", true, c -> List.of(
                    textEncoder(c, c.folder(FullSizeModels.clipVitL())))),
            networks("openclip-h", "OpenCLIP ViT-H/14 text encoder (ZeroScope), [2, 77] tokens", true, c -> List.of(
                    textEncoder(c, c.folder(FullSizeModels.openClipVitH())))),
            networks("t2i-adapter", "T2I-Adapter canny (SD 1.5), batch 2, 512x512 one-channel", true, c -> {
                Path f = c.folder(FullSizeModels.t2iAdapterCanny());
                return List.of(Target.timed("t2i-adapter", () -> T2IAdapter.load(f, c.engine()).graph(),
                        m -> List.of(image(c.random(), "image", 2, 1, 512))));
            }),
            networks("unet3d", "ZeroScope v2 576w UNet3D, 8 frames, batch 1 and 2, 64x64 and 32x32 latents", true,
                    c -> {
                        Path f = c.folder(FullSizeModels.zeroscopeUnet());
                        return List.of(Target.timed("unet3d", () -> UNet3DConditionModel.load(f, c.engine()).graph(),
                                m -> List.of(video(c.random(), 1, 8, 64, 1024), video(c.random(), 2, 8, 64, 1024),
                                        video(c.random(), 1, 8, 32, 1024), video(c.random(), 2, 8, 32, 1024))));
                    }),
            networks("tiny", "the tiny test models (TinyModels) at small shapes; seconds", false, Presets::tiny),
            new Preset("e2e", "BIVDiff ControlNet-canny + ZeroScope, 4 frames 256x256, 10 steps; minutes", false,
                    WholeRun.fullSize(new PipelineBench.Spec(4, 256, 10, PipelineBench.Spec.PROVIDER_DEFAULT))),
            new Preset("paper-memory", "the paper-default run (8 frames 512x512, ControlNet + ZeroScope) with 2 "
                    + "steps, for its memory peak; long", false, WholeRun.fullSize(new PipelineBench.Spec(8, 512, 2,
                    PipelineBench.Spec.PROVIDER_DEFAULT))),
            new Preset("long", "videos longer than the window: the tiny models, 8 then 64 frames 64x64 in windows of 8 "
                    + "every 4, 4 steps, each run in its own JVM with a fixed 256 MB heap (peak RSS and time against "
                    + "frames); minutes", false, new WholeRun(List.of(longRun(8), longRun(64)), RunModels.TINY, 256)));

    private Presets() {
    }

    /** The preset called {@code name}. */
    public static Preset named(String name) {
        for (Preset p : ALL) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no preset '" + name + "' (presets: " + names() + ")");
    }

    /** The full-size presets, the default set. */
    public static List<Preset> fullSize() {
        return ALL.stream().filter(Preset::fullSize).toList();
    }

    public static String names() {
        return String.join(", ", ALL.stream().map(Preset::name).toList());
    }

    private static Preset networks(String name, String description, boolean fullSize, Source source) {
        return new Preset(name, description, fullSize, new Networks(source));
    }

    private static PipelineBench.Spec longRun(int frames) {
        return new PipelineBench.Spec(frames, 64, 4, PipelineBench.Spec.PROVIDER_DEFAULT, TemporalWindows.of(8));
    }

    /** The tiny Stable Diffusion pipeline folder, written on first use. */
    static Path tinyStableDiffusion(Context c) throws IOException {
        return c.cache().folder("tiny/sd15", "seed " + SEED, f -> TinyModels.stableDiffusion(f, SEED), c.log());
    }

    /** The tiny ControlNet, written on first use. */
    static Path tinyControlNet(Context c) throws IOException {
        return c.cache().folder("tiny/controlnet", "seed " + SEED, f -> TinyModels.controlNet(f, SEED), c.log());
    }

    private static List<Target> tiny(Context c) throws IOException {
        Path sd = tinyStableDiffusion(c);
        Path cn = tinyControlNet(c);
        Path ad = c.cache().folder("tiny/t2i-adapter", "seed " + SEED, f -> TinyModels.t2iAdapter(f, SEED), c.log());
        int text = ClipTextConfig.read(sd.resolve("text_encoder")).hiddenSize();
        List<Target> targets = new ArrayList<>();
        targets.add(Target.timed("unet2d", () -> unet2d(c, sd.resolve("unet")), m -> List.of(unet(c.random(), 2, 16, text))));
        targets.add(Target.timed("controlnet", () -> ControlNetModel.load(cn, c.engine()).graph(), m -> List.of(
                controlNet(c.random(), m, 2, 16, 2, text))));
        targets.addAll(vae(c, sd.resolve("vae"), 2, 64));
        targets.add(textEncoder(c, sd.resolve("text_encoder")));
        targets.add(Target.timed("t2i-adapter", () -> T2IAdapter.load(ad, c.engine()).graph(),
                m -> List.of(image(c.random(), "image", 2, 3, 32))));
        return targets;
    }

    // ---- network builders -------------------------------------------------------------------------

    private static Model unet2d(Context c, Path folder) throws IOException {
        return UNet2DConditionModel.load(folder, c.engine()).graph(UNet2DConditionModel.Conditioning.NONE);
    }

    private static List<Target> vae(Context c, Path folder, int factor, int... sides) throws IOException {
        List<Target.Call> enc = new ArrayList<>();
        List<Target.Call> dec = new ArrayList<>();
        for (int side : sides) {
            enc.add(image(c.random(), "image", 1, 3, side));
            Target.Call z = image(c.random(), "z", 1, 4, side / factor);
            dec.add(new Target.Call("b1 " + side / factor + "x" + side / factor + " -> " + side, z.inputs()));
        }
        return List.of(Target.timed("vae-encode", () -> AutoencoderKL.load(folder, c.engine()).encodeGraph(), m -> enc),
                Target.timed("vae-decode", () -> AutoencoderKL.load(folder, c.engine()).decodeGraph(), m -> dec));
    }

    private static Target textEncoder(Context c, Path folder) throws IOException {
        int vocab = ClipTextConfig.read(folder).vocabSize();
        return Target.timed(folder.getFileName().toString(), () -> ClipTextModel.load(folder, c.engine()).graph(),
                m -> List.of(tokens(c.random(), 2, 77, vocab)));
    }

    // ---- inputs -----------------------------------------------------------------------------------

    /** A UNet call: latents (n, 4, side, side), timestep 500, text (n, 77, textWidth). */
    static Target.Call unet(SplittableRandom r, int n, int side, int textWidth) {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("sample", normal(r, n, 4, side, side));
        in.put("timestep", Tensor.full(500f, n));
        in.put("encoder_hidden_states", normal(r, n, 77, textWidth));
        return new Target.Call("b" + n + " " + side + "x" + side, in);
    }

    /** A UNet3D call: latents (n, 4, frames, side, side) (NCFHW), timestep 500, text (n, 77, textWidth). */
    static Target.Call video(SplittableRandom r, int n, int frames, int side, int textWidth) {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("sample", normal(r, n, 4, frames, side, side));
        in.put("timestep", Tensor.full(500f, n));
        in.put("encoder_hidden_states", normal(r, n, 77, textWidth));
        return new Target.Call("b" + n + " f" + frames + " " + side + "x" + side, in);
    }

    private static Target.Call controlNet(SplittableRandom r, Model m, int n, int side, int factor, int textWidth) {
        Map<String, Object> in = new LinkedHashMap<>(unet(r, n, side, textWidth).inputs());
        in.put("controlnet_cond", uniform(r, n, 3, side * factor, side * factor));
        int scales = Math.toIntExact(m.proto().getGraph().getInputList().stream()
                .filter(i -> i.getName().equals("conditioning_scales")).findFirst().orElseThrow()
                .getType().getTensorType().getShape().getDim(0).getDimValue());
        in.put("conditioning_scales", Tensor.full(1f, scales));
        return new Target.Call("b" + n + " " + side + "x" + side, in);
    }

    private static Target.Call image(SplittableRandom r, String name, int n, int channels, int side) {
        return new Target.Call("b" + n + " " + side + "x" + side, Map.of(name, uniform(r, n, channels, side, side)));
    }

    private static Target.Call tokens(SplittableRandom r, int n, int length, int vocab) {
        long[] ids = new long[n * length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return new Target.Call("[" + n + ", " + length + "]", Map.of("input_ids", new LongTensor(new int[] {n, length}, ids)),
                Set.of("last_hidden_state"));
    }

    private static Tensor normal(SplittableRandom r, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextGaussian();
        }
        return t;
    }

    private static Tensor uniform(SplittableRandom r, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextDouble();
        }
        return t;
    }
}
