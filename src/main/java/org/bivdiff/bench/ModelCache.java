package org.bivdiff.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

import org.bivdiff.io.FileTrees;
import org.bivdiff.models.random.FullSizeModels;
import org.bivdiff.models.random.WeightsFormat;

/**
 * Random-weight model folders kept between runs: {@code <root>/<component name>}, reused while the
 * stamp file in it matches the component's config and seed. A folder is written under a temporary
 * name and renamed when complete, so an interrupted run leaves no half-written model behind.
 */
public final class ModelCache {

    private static final String STAMP = ".bivdiff-bench";
    /** Bump when the random-weight layout or values change. */
    private static final int FORMAT = 1;

    private final Path root;

    public ModelCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** {@code java.io.tmpdir/bivdiff-bench}. */
    public static Path defaultRoot() {
        return Path.of(System.getProperty("java.io.tmpdir"), "bivdiff-bench");
    }

    public Path root() {
        return root;
    }

    /**
     * The folder of {@code component} with weights stored as {@code format}, written first if missing
     * or stale. Folders other than F32 safetensors are named {@code <component>-f16} / {@code -bin}.
     *
     * @param log told when a model is being written (the UNet takes about a quarter of a minute)
     */
    public Path folder(FullSizeModels.Component component, long seed, WeightsFormat format, Consumer<String> log)
            throws IOException {
        String name = component.name() + format.folderSuffix();
        return folder(name, "seed " + seed + "\n" + component.configJson(), f -> component.write(f, seed, format), log);
    }

    /**
     * The folder {@code name}, written by {@code writer} first unless it holds a complete copy made
     * with the same {@code stamp} (any text that changes whenever the contents would).
     */
    public Path folder(String name, String stamp, Writer writer, Consumer<String> log) throws IOException {
        Path folder = root.resolve(name);
        String fullStamp = "format " + FORMAT + "\n" + stamp;
        Path stampFile = folder.resolve(STAMP);
        if (Files.isRegularFile(stampFile) && Files.readString(stampFile, StandardCharsets.UTF_8).equals(fullStamp)) {
            return folder;
        }
        log.accept("writing random weights for " + name + " into " + folder);
        Files.createDirectories(root);
        Path tmp = root.resolve(name + ".tmp-" + ProcessHandle.current().pid());
        FileTrees.deleteTree(tmp);
        writer.write(tmp);
        Files.writeString(tmp.resolve(STAMP), fullStamp, StandardCharsets.UTF_8);
        FileTrees.deleteTree(folder);
        try {
            Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, folder);
        }
        return folder;
    }

    /** Writes a model folder. */
    @FunctionalInterface
    public interface Writer {
        void write(Path folder) throws IOException;
    }
}
