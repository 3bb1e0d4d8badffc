package org.bivdiff.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One golden case: its JSON (every parameter of the reference call) and the expected outputs with
 * their tolerances. Runners take all parameters from here, never from constants.
 *
 * @param name    case name ({@code vae_sd15})
 * @param root    the fixture root
 * @param json    the parsed case JSON
 * @param outputs the expected outputs in file order (empty for cases that carry their values in JSON)
 */
public record CaseSpec(String name, Path root, JsonNode json, Map<String, OutputSpec> outputs) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Reads {@code root/cases/<name>.json}. */
    public static CaseSpec read(Path root, String name) throws IOException {
        Path file = root.resolve("cases").resolve(name + ".json");
        JsonNode json;
        try {
            json = MAPPER.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "case file not found in the fixture set");
        }
        Map<String, OutputSpec> outputs = new LinkedHashMap<>();
        JsonNode outs = json.path("outputs");
        List<String> exact = new ArrayList<>();
        json.path("exact_outputs").forEach(n -> exact.add(n.asText()));
        for (var it = outs.fields(); it.hasNext();) {
            var e = it.next();
            JsonNode o = e.getValue();
            JsonNode shapeNode = o.path("shape");
            int[] shape = new int[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asInt();
            }
            boolean isExact = o.path("exact").asBoolean(false) || exact.contains(e.getKey());
            outputs.put(e.getKey(), isExact ? OutputSpec.exact(e.getKey(), shape)
                    : new OutputSpec(e.getKey(), shape, o.path("atol").asDouble(), o.path("rtol").asDouble(), false));
        }
        return new CaseSpec(name, root, json, Collections.unmodifiableMap(outputs));
    }

    /** The case's {@code args} object (the parameters of the reference call). */
    public JsonNode args() {
        return json.path("args");
    }

    /** The fixture-relative path under {@code key} (e.g. {@code model}), resolved against the root. */
    public Path path(String key) {
        JsonNode n = json.path(key);
        if (!n.isTextual()) {
            throw new IllegalArgumentException("case " + name + " has no path '" + key + "'");
        }
        return root.resolve(n.asText().split("\\s+")[0]);
    }

    /** The fixture-relative path of model {@code key} in the case's {@code models} object, resolved. */
    public Path modelPath(String key) {
        JsonNode n = json.path("models").path(key);
        if (!n.isTextual()) {
            throw new IllegalArgumentException("case " + name + " has no model '" + key + "' under 'models'");
        }
        return root.resolve(n.asText().split("\\s+")[0]);
    }

    /**
     * Every fixture-relative path the description of model {@code key} mentions that exists in the fixture set,
     * in order (for models described in words, such as {@code "<folder> via ... then the weights of <file>"}).
     */
    public List<Path> mentionedModelPaths(String key) {
        JsonNode n = json.path("models").path(key);
        if (!n.isTextual()) {
            throw new IllegalArgumentException("case " + name + " has no model '" + key + "' under 'models'");
        }
        List<Path> paths = new ArrayList<>();
        for (String token : n.asText().split("\\s+")) {
            String t = token.replaceAll("^[(`'\"]+|[)`'\",;:.]+$", "");
            if (t.contains("/") && Files.exists(root.resolve(t))) {
                paths.add(root.resolve(t));
            }
        }
        return paths;
    }

    /** The tensors file of the case, {@code cases/<file>}. */
    public Path tensorsFile() {
        return root.resolve("cases").resolve(json.path("file").asText(name + ".safetensors"));
    }

    /** The spec of output {@code name}. */
    public OutputSpec output(String outputName) {
        OutputSpec s = outputs.get(outputName);
        if (s == null) {
            throw new IllegalArgumentException("case " + name + " has no output '" + outputName + "' (outputs: "
                    + outputs.keySet() + ")");
        }
        return s;
    }
}
