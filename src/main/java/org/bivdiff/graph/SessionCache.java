package org.bivdiff.graph;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeSet;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import org.bivdiff.io.FileTrees;

/**
 * A folder of graphs as ONNX Runtime left them after its ALL-level optimisation (convolution weights
 * already in its blocked layout), so a later process loads them without optimising again: the SD 1.5
 * UNet is ready in about a second instead of ten. An entry is keyed by the graph, the real path (every
 * link resolved), size and time of every weight file it points into, the ONNX Runtime version, the CPU,
 * and the options that change the optimised graph; the optimised graph suits only that CPU and runtime,
 * hence the key. Entries are written to a temporary folder and renamed when complete.
 */
final class SessionCache {

    static final String MODEL = "model.onnx";
    static final String WEIGHTS = "weights.bin";
    private static final String COMPLETE = ".complete";

    private final Path root;

    SessionCache(Path root) {
        this.root = root;
    }

    /** The folder of {@code model}'s entry (complete or not). */
    Path entry(Model model, String runtimeVersion, Engine.Options options) throws IOException {
        return root.resolve(model.name() + "-" + key(model, runtimeVersion, options).substring(0, 24));
    }

    static boolean isComplete(Path entry) {
        return Files.exists(entry.resolve(COMPLETE));
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
