package org.bivdiff.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.bivdiff.bivdiff.StageStore;
import org.bivdiff.io.FileTrees;
import org.bivdiff.io.SafeTensorsFile;
import org.bivdiff.io.SafeTensorsWriter;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.bivdiff.tensor.Tensor;

/**
 * A run's output folder: stage results under {@code stages/<stage>.safetensors} (with their
 * fingerprint in the file's metadata), and helpers to write final files atomically so that an
 * interrupted run never leaves a file that looks complete.
 */
final class RunFolder implements StageStore {

    private static final String FINGERPRINT = "bivdiff.fingerprint";

    private final Path root;

    RunFolder(Path root) throws IOException {
        this.root = root;
        FileTrees.createFolders(root.resolve("stages"));
    }

    Path root() {
        return root;
    }

    Path resolve(String name) {
        return root.resolve(name);
    }

    @Override
    public Optional<Map<String, Tensor>> load(String stage, String fingerprint) throws IOException {
        Path file = stageFile(stage);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            if (!fingerprint.equals(f.metadata().get(FINGERPRINT))) {
                return Optional.empty();
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String n : f.names()) {
                out.put(n, f.readTensor(n));
            }
            return Optional.of(out);
        }
    }

    /**
     * Writes the stage's tensors in name order: the stages hand over {@code Map.of(...)}, whose iteration
     * order changes from one JVM start to the next, and a run must write the same bytes every time.
     */
    @Override
    public void save(String stage, String fingerprint, Map<String, Tensor> tensors) throws IOException {
        SafeTensorsWriter.write(stageFile(stage), new TreeMap<>(tensors), Map.of(FINGERPRINT, fingerprint));
    }

    /** Writes a final file through a temporary sibling and a rename. */
    void writeAtomically(String name, FileWriter writer) throws IOException {
        Path target = root.resolve(name);
        Path tmp = FileTrees.partialSibling(target);
        try {
            writer.write(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes {@code frames} losslessly as {@code folder/00000.png}, {@code 00001.png}, ..., each file atomically,
     * for scoring them later without the losses of GIF or H.264.
     */
    void writeFrames(String folder, List<Image8> frames) throws IOException {
        for (int i = 0; i < frames.size(); i++) {
            Image8 frame = frames.get(i);
            writeAtomically(folder + "/" + String.format(Locale.ROOT, "%05d.png", i), file -> ImageFiles.write(frame, file));
        }
    }

    /** Writes one output file. */
    @FunctionalInterface
    interface FileWriter {
        void write(Path file) throws IOException;
    }

    private Path stageFile(String stage) {
        return root.resolve("stages").resolve(stage + ".safetensors");
    }
}
