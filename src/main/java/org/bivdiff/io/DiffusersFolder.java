package org.bivdiff.io;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A diffusers pipeline folder: {@code model_index.json} naming each component (library and class) and
 * one sub-folder per component ({@code unet/}, {@code vae/}, {@code text_encoder/}, ...).
 * Components listed as {@code [null, null]} (a disabled safety checker) are absent.
 */
public final class DiffusersFolder {

    /**
     * One component of a pipeline.
     *
     * @param name      folder name ({@code unet})
     * @param library   {@code diffusers} or {@code transformers}
     * @param className e.g. {@code UNet2DConditionModel}
     * @param folder    the component's folder
     */
    public record Component(String name, String library, String className, Path folder) {
    }

    private final Path root;
    private final String pipelineClass;
    private final Map<String, Component> components;

    private DiffusersFolder(Path root, String pipelineClass, Map<String, Component> components) {
        this.root = root;
        this.pipelineClass = pipelineClass;
        this.components = components;
    }

    /** Reads {@code root/model_index.json}. */
    public static DiffusersFolder open(Path root) throws IOException {
        Path index = root.resolve("model_index.json");
        JsonNode json;
        try {
            json = Json.STRICT.readTree(Files.readString(index));
        } catch (NoSuchFileException e) {
            throw new ConfigException(index + ": not found; a diffusers pipeline folder has a model_index.json "
                    + "(or pass the component folders one by one)");
        } catch (JsonProcessingException e) {
            throw new ConfigException(index + ": not valid JSON: " + e.getOriginalMessage());
        } catch (CharacterCodingException e) {
            throw new ConfigException(index + ": not valid UTF-8");
        }
        if (json == null || !json.isObject()) {
            throw new ConfigException(index + ": expected a JSON object");
        }
        Map<String, Component> components = new LinkedHashMap<>();
        for (var it = json.fields(); it.hasNext();) {
            var e = it.next();
            JsonNode v = e.getValue();
            if (e.getKey().startsWith("_") || !v.isArray()) {
                continue;   // bookkeeping (_class_name, ...) and plain options (requires_safety_checker)
            }
            if (v.size() != 2) {
                throw new ConfigException(index + ": component '" + e.getKey() + "' should be [library, class], got " + v);
            }
            if (v.get(0).isNull() || v.get(1).isNull()) {
                continue;
            }
            if (!v.get(0).isTextual() || !v.get(1).isTextual()) {
                throw new ConfigException(index + ": component '" + e.getKey() + "' should be [library, class] as two "
                        + "strings, got " + v);
            }
            String name = e.getKey();
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")) {
                throw new ConfigException(index + ": component name '" + name + "' is not a folder name inside "
                        + root);
            }
            components.put(e.getKey(), new Component(e.getKey(), v.get(0).asText(), v.get(1).asText(),
                    root.resolve(e.getKey())));
        }
        return new DiffusersFolder(root, json.path("_class_name").asText(""), Collections.unmodifiableMap(components));
    }

    public Path root() {
        return root;
    }

    /** The pipeline class diffusers wrote ({@code StableDiffusionPipeline}), or the empty string. */
    public String pipelineClass() {
        return pipelineClass;
    }

    /** Components by name, in file order. */
    public Map<String, Component> components() {
        return components;
    }

    /** The component {@code name}, if listed. */
    public Optional<Component> component(String name) {
        return Optional.ofNullable(components.get(name));
    }

    /**
     * The folder of component {@code name}, which must be listed and exist.
     *
     * @throws ConfigException naming the pipeline folder and the component
     */
    public Path require(String name) throws ConfigException {
        Component c = components.get(name);
        if (c == null) {
            throw new ConfigException(root.resolve("model_index.json") + ": no component '" + name + "' (components: "
                    + components.keySet() + ")");
        }
        if (!Files.isDirectory(c.folder())) {
            throw new ConfigException(c.folder() + ": component folder '" + name + "' listed in model_index.json is missing");
        }
        return c.folder();
    }
}
