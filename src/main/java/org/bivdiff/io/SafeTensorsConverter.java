package org.bivdiff.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.bivdiff.io.SafeTensorsWriter.Spec;

/**
 * Writes a safetensors copy of PyTorch checkpoints: one file, or every torch weights file of a folder
 * tree (a diffusers pipeline folder with all its components). Each {@code .bin} / {@code .pth} /
 * {@code .pt} / {@code .ckpt} becomes a {@code .safetensors} file of the same tensors (views gathered,
 * in C order; shared storages written once per tensor), named as diffusers and transformers name them:
 * {@code diffusion_pytorch_model[.fp16].bin} to {@code diffusion_pytorch_model[.fp16].safetensors},
 * {@code pytorch_model*.bin} to {@code model*.safetensors}; a sharded {@code *.bin.index.json} becomes the
 * matching {@code *.safetensors.index.json} pointing at the converted shards. Reading goes through
 * {@link TorchFile}, so nothing in the pickles is executed, and a file it refuses stops the conversion.
 *
 * <p>Into another folder, the tree is reproduced: every other file (configs, tokenizers) is copied. In
 * place ({@code out} equal to the source folder), only the converted files are written, next to the
 * pickles, and existing safetensors files are kept.
 */
public final class SafeTensorsConverter {

    /** Told of each tensor written. */
    @FunctionalInterface
    public interface Progress {
        /** Tensor {@code done} of {@code total} of {@code target} is written. */
        void tensorWritten(Path target, int done, int total);
    }

    /**
     * One file of the conversion.
     *
     * @param source  the file read
     * @param target  the file written (or kept)
     * @param action  what was done
     * @param tensors tensors written (0 unless converted)
     * @param bytes   bytes of tensor data written
     */
    public record Step(Path source, Path target, Action action, int tensors, long bytes) {
    }

    /** What happened to a file. */
    public enum Action {
        /** A torch checkpoint written as safetensors. */
        CONVERTED,
        /** A sharded torch index rewritten for the converted shards. */
        INDEX_REWRITTEN,
        /** Copied as it is. */
        COPIED,
        /** In place: the safetensors file already exists and was kept. */
        KEPT
    }

    private static final List<String> TORCH_EXTENSIONS = List.of(".bin", ".pth", ".pt", ".ckpt");

    private SafeTensorsConverter() {
    }

    /**
     * Converts {@code source} (a file or a folder tree) into {@code out}: a folder, created if needed,
     * which must be empty unless it is the source folder itself (in-place conversion).
     *
     * @throws CheckpointException naming the file that cannot be read or would be overwritten
     */
    public static List<Step> convert(Path source, Path out, Progress progress) throws IOException {
        Path src = source.toAbsolutePath().normalize();
        Path dst = out.toAbsolutePath().normalize();
        boolean inPlace = dst.equals(inPlace(src));
        if (!Files.exists(src)) {
            throw new CheckpointException(source + ": no such file or folder");
        }
        if (!inPlace) {
            if (dst.startsWith(src)) {
                throw new CheckpointException(out + ": the output folder is inside " + source);
            }
            if (Files.isDirectory(dst)) {
                try (Stream<Path> s = Files.list(dst)) {
                    if (s.findAny().isPresent()) {
                        throw new CheckpointException(out + ": the output folder is not empty");
                    }
                }
            }
        }
        List<Path> files;
        Path root = Files.isDirectory(src) ? src : src.getParent();
        if (Files.isDirectory(src)) {
            try (Stream<Path> s = Files.walk(src)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
        } else {
            files = List.of(src);
        }
        List<Step> steps = new ArrayList<>();
        for (Path f : files) {
            Path rel = root.relativize(f);
            String name = f.getFileName().toString();
            Path target = dst.resolve(rel).resolveSibling(targetName(name));
            if (isTorchIndex(name) || isTorchWeights(name)) {
                if (inPlace && Files.exists(target)) {
                    steps.add(new Step(f, target, Action.KEPT, 0, 0));
                    continue;
                }
                Files.createDirectories(target.getParent());
                steps.add(isTorchIndex(name) ? rewriteIndex(f, target) : convertFile(f, target, progress));
            } else if (!inPlace) {
                Files.createDirectories(target.getParent());
                Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                steps.add(new Step(f, target, Action.COPIED, 0, 0));
            }
        }
        return steps;
    }

    /** The output folder of an in-place conversion of {@code source}: itself, or a file's folder. */
    public static Path inPlace(Path source) {
        Path src = source.toAbsolutePath().normalize();
        return Files.isDirectory(src) ? src : src.getParent();
    }

    /** The safetensors name of a torch weights file or index; other names unchanged. */
    public static String targetName(String name) {
        for (String suffix : List.of(".bin.index.json", ".bin.index.fp16.json")) {
            if (name.endsWith(suffix)) {
                return safeBase(name.substring(0, name.length() - suffix.length()))
                        + suffix.replace(".bin.", ".safetensors.");
            }
        }
        for (String ext : TORCH_EXTENSIONS) {
            if (name.toLowerCase(Locale.ROOT).endsWith(ext)) {
                return safeBase(name.substring(0, name.length() - ext.length())) + ".safetensors";
            }
        }
        return name;
    }

    /** transformers' {@code pytorch_model} is {@code model} as safetensors; every other base stays. */
    private static String safeBase(String base) {
        return base.startsWith("pytorch_model") ? "model" + base.substring("pytorch_model".length()) : base;
    }

    private static boolean isTorchWeights(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return TORCH_EXTENSIONS.stream().anyMatch(lower::endsWith);
    }

    private static boolean isTorchIndex(String name) {
        return name.endsWith(".bin.index.json") || name.endsWith(".bin.index.fp16.json");
    }

    private static Step convertFile(Path source, Path target, Progress progress) throws IOException {
        try (TorchFile f = TorchFile.open(source)) {
            List<Spec> specs = new ArrayList<>();
            long bytes = 0;
            for (String n : f.names()) {
                TensorInfo info = f.info(n).orElseThrow();
                specs.add(new Spec(n, info.dtype(), info.shape()));
                bytes += info.byteLength();
            }
            int[] done = {0};
            SafeTensorsWriter.stream(target, specs, Map.of("format", "pt"), spec -> {
                byte[] data = f.segment(spec.name()).toArray(ValueLayout.JAVA_BYTE);
                progress.tensorWritten(target, ++done[0], specs.size());
                return data;
            });
            return new Step(source, target, Action.CONVERTED, specs.size(), bytes);
        }
    }

    /** The index with every shard name mapped to its safetensors name. */
    private static Step rewriteIndex(Path source, Path target) throws IOException {
        ObjectNode root = Checkpoint.readIndex(source);
        ObjectNode map = (ObjectNode) root.get("weight_map");
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            e.setValue(map.textNode(targetName(e.getValue().textValue())));
        }
        Files.write(target, Json.STRICT.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        return new Step(source, target, Action.INDEX_REWRITTEN, map.size(), 0);
    }
}
