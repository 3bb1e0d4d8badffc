package org.bivdiff.models.unet2d;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.SafeTensorsWriter;
import org.bivdiff.tensor.Tensor;

/** Model folders of the fixture set, and edited copies of them for tests of bad configs and weights. */
public final class FixtureFolders {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private FixtureFolders() {
    }

    /** {@code models/<relative>} of the fixture set. */
    public static Path model(String relative) {
        return Fixtures.root().resolve("models").resolve(relative);
    }

    /** Copies the config of {@code source} into {@code target} with {@code edit} applied (no weights). */
    public static Path editedConfig(Path source, Path target, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode config = (ObjectNode) MAPPER.readTree(source.resolve("config.json").toFile());
        edit.accept(config);
        Files.createDirectories(target);
        Files.writeString(target.resolve("config.json"), MAPPER.writeValueAsString(config));
        return target;
    }

    /**
     * Copies {@code source} (config and weights) into {@code target}, dropping the weight
     * {@code drop} (or none) and adding {@code extra} (or none).
     */
    public static Path editedWeights(Path source, Path target, String drop, Map<String, Tensor> extra)
            throws IOException {
        editedConfig(source, target, c -> { });
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Checkpoint ckpt = Checkpoint.open(source)) {
            for (String name : ckpt.names()) {
                if (!name.equals(drop)) {
                    tensors.put(name, ckpt.readTensor(name));
                }
            }
        }
        tensors.putAll(extra);
        SafeTensorsWriter.write(target.resolve("diffusion_pytorch_model.safetensors"), tensors, Map.of());
        return target;
    }
}
