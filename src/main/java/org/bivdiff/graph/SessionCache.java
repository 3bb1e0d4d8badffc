package org.bivdiff.graph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import org.bivdiff.io.DType;
import org.bivdiff.io.FileTrees;

/**
 * A folder of graphs as ONNX Runtime left them after its ALL-level optimisation (convolution weights
 * already in its blocked layout), so a later process loads them without optimising again: the SD 1.5
 * UNet is ready in about a second instead of ten. An entry is keyed by the graph, the real path (every
 * link resolved), size and time of every weight file it points into, the ONNX Runtime version, the CPU,
 * and the options that change the optimised graph; the optimised graph suits only that CPU and runtime,
 * hence the key. Entries are written to a temporary folder and renamed when complete.
 *
 * <p>The entries together stay within {@code budgetBytes}: before an entry is written, the least recently
 * used ones are deleted until it fits, and until the disk keeps a tenth of its size free after it. An
 * entry that cannot fit is not written (the model loads as it would without a cache). A partial folder
 * untouched for {@link #ABANDONED} was left by a process that died, and is deleted too.
 *
 * @param root        the folder
 * @param budgetBytes the most disk the entries may take
 */
public record SessionCache(Path root, long budgetBytes) {

    /** The budget when none is given: room for the models of a few configs (ControlNet + ZeroScope keep 16 GB). */
    public static final long DEFAULT_BUDGET = 40_000_000_000L;

    static final String MODEL = "model.onnx";
    static final String WEIGHTS = "weights.bin";
    private static final String COMPLETE = ".complete";
    private static final String PARTIAL = ".partial-";
    static final Duration ABANDONED = Duration.ofHours(1);

    /** One process makes room at a time; sessions load on several threads. */
    private static final Object ROOM = new Object();

    public SessionCache {
        Objects.requireNonNull(root, "root");
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("a session cache's budget must be positive, got " + budgetBytes);
        }
    }

    /** The folder of {@code model}'s entry (complete or not). */
    Path entry(Model model, String runtimeVersion, Engine.Options options) throws IOException {
        return root.resolve(model.name() + "-" + key(model, runtimeVersion, options).substring(0, 24));
    }

    static boolean isComplete(Path entry) {
        return Files.exists(entry.resolve(COMPLETE));
    }

    /** Marks {@code entry} as just used: eviction takes the least recently used first. */
    static void used(Path entry) {
        try {
            Files.setLastModifiedTime(entry.resolve(COMPLETE), FileTime.from(Instant.now()));
        } catch (IOException e) {
            // another process evicted it meanwhile; the session has its weights already
        }
    }

    /** A fresh temporary folder in the cache to write an entry into. */
    Path begin() throws IOException {
        return FileTrees.createPartialFolder(root);
    }

    /** Marks {@code partial} complete and moves it to {@code entry}; a concurrent writer that won keeps its entry. */
    static void commit(Path partial, Path entry) throws IOException {
        Files.writeString(partial.resolve(COMPLETE), "ok\n");
        try {
            Files.move(partial, entry, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (!isComplete(entry)) {
                throw e;
            }
            FileTrees.deleteTree(partial);
        }
    }

    /**
     * About how many bytes {@code model}'s entry takes: its weights in {@code computeType} (ONNX Runtime folds
     * the casts of narrower files into the saved weights).
     */
    static long estimate(Model model, DType computeType) {
        long bytes = 0;
        for (TensorProto t : model.proto().getGraph().getInitializerList()) {
            long count = 1;
            for (long d : t.getDimsList()) {
                count *= d;
            }
            long stored = t.getRawData().size();
            for (StringStringEntryProto e : t.getExternalDataList()) {
                if (e.getKey().equals("length")) {
                    stored = Long.parseLong(e.getValue());
                }
            }
            boolean floating = t.getDataType() == TensorProto.DataType.FLOAT_VALUE
                    || t.getDataType() == TensorProto.DataType.FLOAT16_VALUE
                    || t.getDataType() == TensorProto.DataType.BFLOAT16_VALUE;
            bytes += floating ? Math.max(stored, count * computeType.byteSize()) : stored;
        }
        return bytes;
    }

    /**
     * Deletes abandoned partial folders and least recently used entries until an entry of {@code bytes} fits
     * the budget and leaves a tenth of the disk free.
     *
     * @return false when it cannot fit (then nothing beyond the abandoned folders was deleted)
     */
    boolean makeRoom(long bytes) throws IOException {
        if (bytes > budgetBytes) {
            return false;
        }
        synchronized (ROOM) {
            FileTrees.createFolders(root);
            List<Entry> entries = scan();
            long used = entries.stream().mapToLong(Entry::bytes).sum();
            FileStore store = Files.getFileStore(root);
            long keepFree = store.getTotalSpace() / 10;
            long freeable = entries.stream().filter(Entry::complete).mapToLong(Entry::bytes).sum();
            if (store.getUsableSpace() + freeable - bytes < keepFree || used - freeable + bytes > budgetBytes) {
                return false;
            }
            for (Entry e : entries) {
                if (used + bytes <= budgetBytes && store.getUsableSpace() - bytes >= keepFree) {
                    break;
                }
                if (e.complete()) {
                    delete(e.folder());
                    used -= e.bytes();
                }
            }
            return true;
        }
    }

    /** The cache's folders, least recently used complete entries first; abandoned partial folders are deleted. */
    private List<Entry> scan() throws IOException {
        List<Entry> entries = new ArrayList<>();
        Instant abandoned = Instant.now().minus(ABANDONED);
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(Files::isDirectory).toList()) {
                try {
                    if (p.getFileName().toString().startsWith(PARTIAL)) {
                        Instant touched = lastModified(p);
                        if (touched.isBefore(abandoned)) {
                            delete(p);
                        } else {
                            entries.add(new Entry(p, false, touched, size(p)));
                        }
                    } else if (isComplete(p)) {
                        entries.add(new Entry(p, true, Files.getLastModifiedTime(p.resolve(COMPLETE)).toInstant(),
                                size(p)));
                    }
                } catch (NoSuchFileException | UncheckedIOException e) {
                    // deleted by another process while we looked
                }
            }
        }
        entries.sort(Comparator.comparing(Entry::used));
        return entries;
    }

    private record Entry(Path folder, boolean complete, Instant used, long bytes) {
    }

    private static long size(Path folder) throws IOException {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    /** The newest modification time under {@code folder}: a writer touches its files as it goes. */
    private static Instant lastModified(Path folder) throws IOException {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.map(p -> {
                try {
                    return Files.getLastModifiedTime(p).toInstant();
                } catch (IOException e) {
                    return Instant.EPOCH;
                }
            }).max(Comparator.naturalOrder()).orElse(Instant.EPOCH);
        }
    }

    /** Deletes an entry, or what is left of it when another process deletes it at the same time. */
    static void delete(Path folder) {
        try {
            FileTrees.deleteTree(folder);
        } catch (IOException | UncheckedIOException e) {
            // another process got there first, or a file is not ours to delete: the next scan sees it again
        }
    }

    private static String key(Model model, String runtimeVersion, Engine.Options options) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
        d.update(model.proto().toByteArray());
        TreeSet<Path> files = new TreeSet<>();
        for (TensorProto t : model.proto().getGraph().getInitializerList()) {
            for (StringStringEntryProto e : t.getExternalDataList()) {
                if (e.getKey().equals("location")) {
                    // the file itself: two links to one file share an entry, a re-pointed link does not
                    files.add(model.weightsRoot().resolve(e.getValue()).toRealPath());
                }
            }
        }
        for (Path f : files) {
            update(d, f + ":" + Files.size(f) + ":" + Files.getLastModifiedTime(f).toMillis());
        }
        update(d, "ort " + runtimeVersion);
        update(d, "cpu " + cpu());
        update(d, "provider " + options.provider() + " prepacking " + !options.disablePrepacking());
        return HexFormat.of().formatHex(d.digest());
    }

    /** The CPU model and feature flags, which decide the layouts ONNX Runtime chose. */
    private static String cpu() {
        Path info = Path.of("/proc/cpuinfo");
        try {
            StringBuilder sb = new StringBuilder(System.getProperty("os.arch"));
            for (String line : Files.readAllLines(info, StandardCharsets.UTF_8)) {
                if (line.startsWith("model name") || line.startsWith("flags")) {
                    sb.append('|').append(line);
                }
                if (line.isBlank()) {
                    break;   // the first processor is enough
                }
            }
            return sb.toString();
        } catch (IOException e) {
            return System.getProperty("os.arch") + "|" + System.getProperty("os.name");
        }
    }

    private static void update(MessageDigest d, String s) {
        d.update(s.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
    }
}
