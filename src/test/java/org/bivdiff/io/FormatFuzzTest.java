package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.io.SafeTensorsWriter.Entry;
import org.bivdiff.media.Image8;
import org.bivdiff.media.VideoReader;
import org.bivdiff.media.VideoWriter;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.unet2d.UNet2DConditionConfig;

/**
 * The fuzz and property suite of every file format bivdiff reads: valid files (safetensors, a PyTorch zip
 * checkpoint, a UNet's {@code config.json}, a pipeline's {@code model_index.json}, tokenizer files, run configs
 * in both schemas, an mp4 and a gif) mutated by jqwik (bit flips, bytes set to boundary values, truncation,
 * insertions, deletions, copies of other parts of the file), each read as bivdiff reads it. The properties, for
 * every mutant: it reads, or fails with an {@link IOException} of ours that names the file; it does not hang; it
 * does not allocate far past its own size (a header promising a terabyte must not be believed).
 *
 * <p>{@code jqwik.tries.default} (100 per format in {@code junit-platform.properties}, 40 per video format) bounds the suite for CI;
 * a longer run: {@code bin/test -Dtest=FormatFuzzTest -Djqwik.tries.default=20000}. Each run prints how many
 * formats and cases were tried.
 */
class FormatFuzzTest {

    /** A case that takes longer than this is a hang: a bound against hangs, not a timing. */
    private static final long HANG_SECONDS = 60;
    /**
     * Allocation allowed per byte of a mutant: twice what reading the valid file allocates per byte (a tree of
     * JSON nodes or a vocabulary map costs dozens of bytes per byte read), and at least this many.
     */
    private static final long ALLOCATION_FACTOR = 16;
    /** Allocation allowed on top: the parsers' own tables and buffers, and classes loaded on first use. */
    private static final long ALLOCATION_SLACK = 64L << 20;

    private static final Map<String, AtomicInteger> CASES = new ConcurrentHashMap<>();
    /** Bytes allocated per byte when reading each format's valid file. */
    private static final Map<String, Long> BASELINE = new ConcurrentHashMap<>();
    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-case");
        t.setDaemon(true);
        return t;
    });
    private static Path dir;
    private static Map<String, byte[]> originals;

    /** One way of reading a format: returns normally or throws. */
    @FunctionalInterface
    private interface Reader {
        void read(Path file) throws Exception;
    }

    /** One change to a file's bytes. */
    private record Edit(int kind, double at, int value, int length) {

        byte[] apply(byte[] b) {
            if (b.length == 0) {
                return b;
            }
            // Half the edits land in the first 512 bytes, where headers, magic numbers and lengths are.
            int limit = at < 0.5 ? Math.min(b.length, 512) : b.length;
            int pos = (int) (Math.abs(at - (at < 0.5 ? 0 : 0.5)) * 2 * (limit - 1));
            return switch (kind) {
                case 0 -> flip(b, pos, value & 7);
                case 1 -> set(b, pos, (byte) new int[] {0, 1, 0x7f, 0x80, 0xff, '{', '}', '"', ':', '\n', '-', '9'}
                        [Math.floorMod(value, 12)]);
                case 2 -> Arrays.copyOf(b, pos);
                case 3 -> splice(b, pos, Arrays.copyOfRange(b, Math.floorMod(value, b.length),
                        Math.min(b.length, Math.floorMod(value, b.length) + length)), 0);
                case 4 -> splice(b, pos, new byte[0], Math.min(length, b.length - pos));
                default -> setLong(b, pos, new long[] {-1, 0, Integer.MAX_VALUE, 1L << 40, Long.MAX_VALUE,
                        b.length, b.length + 1}[Math.floorMod(value, 7)]);
            };
        }

        private static byte[] flip(byte[] b, int pos, int bit) {
            byte[] c = b.clone();
            c[pos] ^= (byte) (1 << bit);
            return c;
        }

        private static byte[] set(byte[] b, int pos, byte v) {
            byte[] c = b.clone();
            c[pos] = v;
            return c;
        }

        private static byte[] setLong(byte[] b, int pos, long v) {
            byte[] c = b.clone();
            for (int i = 0; i < 8 && pos + i < c.length; i++) {
                c[pos + i] = (byte) (v >>> (8 * i));
            }
            return c;
        }

        private static byte[] splice(byte[] b, int pos, byte[] insert, int remove) {
            byte[] c = new byte[b.length + insert.length - remove];
            System.arraycopy(b, 0, c, 0, pos);
            System.arraycopy(insert, 0, c, pos, insert.length);
            System.arraycopy(b, pos + remove, c, pos + insert.length, b.length - pos - remove);
            return c;
        }
    }

    @Provide
    Arbitrary<List<Edit>> edits() {
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 5),
                Arbitraries.doubles().between(0, 1), Arbitraries.integers(), Arbitraries.integers().between(1, 64))
                .as(Edit::new);
        return edit.list().ofMinSize(1).ofMaxSize(4);
    }

    @BeforeContainer
    static void originals() throws Exception {
        dir = Files.createTempDirectory("bivdiff-fuzz");
        originals = new ConcurrentHashMap<>();
        List<Entry> entries = List.of(
                Entry.f32("a.weight", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}),
                Entry.f16("b", new long[] {4}, new float[] {1, 2, 3, 4}),
                Entry.i64("ids", new long[] {1, 3}, new long[] {0, 1, 2}),
                Entry.bf16("s", new long[] {}, new float[] {7}));
        SafeTensorsWriter.write(dir.resolve("o.safetensors"), entries, Map.of("format", "pt"));
        originals.put("safetensors", Files.readAllBytes(dir.resolve("o.safetensors")));
        TorchWriter.write(dir.resolve("o.bin"), entries);
        originals.put("torch", Files.readAllBytes(dir.resolve("o.bin")));
        Path models = org.bivdiff.conformance.Fixtures.root().resolve("models");
        originals.put("config.json", Files.readAllBytes(models.resolve("tiny-sd15/unet/config.json")));
        originals.put("model_index.json", Files.readAllBytes(models.resolve("tiny-sd15/model_index.json")));
        originals.put("vocab.json", Files.readAllBytes(models.resolve("tiny-sd15/tokenizer/vocab.json")));
        originals.put("run.yaml", RUN_YAML.getBytes(StandardCharsets.UTF_8));
        originals.put("official.yaml", OFFICIAL_YAML.getBytes(StandardCharsets.UTF_8));
        originals.put("official-p2p.yaml", OFFICIAL_YAML.replace("idm: ControlNet", "idm: Prompt2Prompt")
                .getBytes(StandardCharsets.UTF_8));
        List<Image8> clip = new ArrayList<>();
        for (int f = 0; f < 6; f++) {
            byte[] px = new byte[24 * 32 * 3];
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) ((i * 7 + f * 31) % 251);
            }
            clip.add(new Image8(24, 32, 3, px));
        }
        VideoWriter.write(clip, dir.resolve("o.mp4"), 8);
        originals.put("mp4", Files.readAllBytes(dir.resolve("o.mp4")));
        VideoWriter.write(clip, dir.resolve("o.gif"), 8);
        originals.put("gif", Files.readAllBytes(dir.resolve("o.gif")));
        Files.copy(models.resolve("tiny-sd15/tokenizer/merges.txt"), dir.resolve("merges.txt"));
    }

    @AfterContainer
    static void report() throws IOException {
        int total = CASES.values().stream().mapToInt(AtomicInteger::get).sum();
        System.out.println("format fuzzing: " + CASES.size() + " kinds, " + total + " cases " + CASES);
        try {
            FileTrees.deleteTree(dir);
        } catch (IOException e) {
            System.out.println("format fuzzing: could not delete " + dir + ": " + IoErrors.describe(e));
        }
    }

    private static final String RUN_YAML = """
            task: controlnet
            condition: canny
            prompt: a red square
            video: clip.mp4
            models: {stable_diffusion: sd, controlnet: cn, video: zs}
            video_length: 8
            frame_rate: 1
            width: 64
            height: 64
            steps: 2
            edit: {prompt: x, type: refine, local_blend_words: [a, b]}
            strategy: sequential
            """;

    private static final String OFFICIAL_YAML = """
            VDM:
              ZeroScope: {ckpt_path: ./checkpoints/ZeroScope/zeroscope_v2_576w}
            IDM:
              ControlNet: {condition: canny, mixing_ratio: 1.0}
              Prompt2Prompt: {prompts: [a cat, a dog], controller_type: AttentionReplace}
            MixedInversion: {idm: SD-v15, pretrained_model_path: ./checkpoints/stable-diffusion-v1-5}
            Model: {idm: ControlNet, vdm: ZeroScope, idm_prompt: a cat, video_path: ./data/x.mp4, video_length: 8,
                    width: 512, height: 512, num_inference_steps: 50, seed: 42}
            """;

    @Property
    void safetensors(@ForAll("edits") List<Edit> edits) throws Exception {
        check("safetensors", "m.safetensors", edits, file -> {
            try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
                readAll(f);
            }
        });
    }

    @Property
    void torchCheckpoints(@ForAll("edits") List<Edit> edits) throws Exception {
        check("torch", "m.bin", edits, file -> {
            try (TorchFile f = TorchFile.open(file)) {
                readAll(f);
            }
        });
    }

    @Property
    void unetConfigs(@ForAll("edits") List<Edit> edits) throws Exception {
        check("config.json", "unet/config.json", edits, file -> UNet2DConditionConfig.read(file.getParent()));
    }

    @Property
    void modelIndexes(@ForAll("edits") List<Edit> edits) throws Exception {
        check("model_index.json", "sd/model_index.json", edits, file -> DiffusersFolder.open(file.getParent()));
    }

    @Property
    void tokenizerVocabularies(@ForAll("edits") List<Edit> edits) throws Exception {
        check("vocab.json", "vocab.json", edits, file -> ClipTokenizer.load(file.getParent()).encode("a red car"));
    }

    @Property
    void runConfigs(@ForAll("edits") List<Edit> edits) throws Exception {
        check("run.yaml", "run.yaml", edits, file -> RunConfigReader.read(file, List.of(), dir).problems());
    }

    @Property
    void officialRunConfigs(@ForAll("edits") List<Edit> edits) throws Exception {
        check("official.yaml", "official.yaml", edits, file -> RunConfigReader.read(file, List.of(), dir).problems());
    }

    @Property
    void officialPromptToPromptRunConfigs(@ForAll("edits") List<Edit> edits) throws Exception {
        check("official-p2p.yaml", "official.yaml", edits, file -> RunConfigReader.read(file, List.of(), dir)
                .problems());
    }

    @Property(tries = 40)
    void mp4Videos(@ForAll("edits") List<Edit> edits) throws Exception {
        check("mp4", "m.mp4", edits, FormatFuzzTest::readVideo);
    }

    @Property(tries = 40)
    void gifVideos(@ForAll("edits") List<Edit> edits) throws Exception {
        check("gif", "m.gif", edits, FormatFuzzTest::readVideo);
    }

    private static void readVideo(Path file) throws IOException {
        var info = VideoReader.probe(file);
        VideoReader.read(file, null, 16, 16);
        assertTrue(info.width() > 0 && info.height() > 0, "a probed video has a size: " + info);
    }

    private static void readAll(WeightsFile f) throws CheckpointException {
        for (String name : f.names()) {
            TensorInfo t = f.info(name).orElseThrow();
            f.readFloats(name);
            if (!t.dtype().isFloating()) {
                f.readLongs(name);
            }
        }
    }

    /** Writes the mutant as {@code name} in a fresh folder, reads it, and checks the three properties. */
    private static void check(String kind, String name, List<Edit> edits, Reader reader) throws Exception {
        if (!BASELINE.containsKey(kind)) {
            long valid = run(kind, name, originals.get(kind), List.of(), reader);
            long perByte = valid / Math.max(1, originals.get(kind).length);
            BASELINE.put(kind, Math.max(ALLOCATION_FACTOR, 2 * perByte));
        }
        byte[] bytes = originals.get(kind);
        for (Edit e : edits) {
            bytes = e.apply(bytes);
        }
        CASES.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
        long allocated = run(kind, name, bytes, edits, reader);
        assertTrue(allocated <= BASELINE.get(kind) * bytes.length + ALLOCATION_SLACK, kind + ": " + describe(edits)
                + " allocated " + allocated + " bytes for a file of " + bytes.length + " (the valid file: "
                + BASELINE.get(kind) / 2 + " bytes per byte)");
    }

    /** Reads {@code bytes} as {@code name} in a fresh folder; returns the bytes the read allocated. */
    private static long run(String kind, String name, byte[] bytes, List<Edit> edits, Reader reader) throws Exception {
        Path file = Files.createTempDirectory(dir, kind).resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        if (kind.equals("vocab.json")) {
            Files.copy(dir.resolve("merges.txt"), file.resolveSibling("merges.txt"));
        }
        Future<Long> run = WORKER.submit(() -> {
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            try {
                reader.read(file);
            } catch (IOException e) {
                boolean ours = e.getClass().getPackageName().startsWith("org.bivdiff")
                        || e.getClass() == IOException.class || e instanceof java.nio.file.FileSystemException;
                if (!ours || e.getMessage() == null || !e.getMessage().contains(file.getFileName().toString())) {
                    throw new AssertionError(kind + ": " + describe(edits) + " gave an error that is not ours or does "
                            + "not name the file: " + e, e);
                }
            } catch (Exception | Error e) {
                throw new AssertionError(kind + ": " + describe(edits) + " gave " + e, e);
            }
            return threads.getCurrentThreadAllocatedBytes() - before;
        });
        try {
            return run.get(HANG_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            run.cancel(true);
            return fail(kind + ": " + describe(edits) + " did not finish: a hang");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof AssertionError a ? a : new AssertionError(e.getCause());
        }
    }

    private static String describe(List<Edit> edits) {
        return "mutant " + edits;
    }
}
