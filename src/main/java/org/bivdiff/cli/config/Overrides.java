package org.bivdiff.cli.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.yaml.snakeyaml.error.YAMLException;

/** {@code --set key.sub=value}: the value is read as a YAML scalar, so numbers and booleans keep their type. */
final class Overrides {

    private Overrides() {
    }

    @SuppressWarnings("unchecked")
    static void apply(Map<String, Object> raw, String assignment, Path file) throws ConfigFileException {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new ConfigFileException(file, "--set takes key=value, got '" + assignment + "'");
        }
        String[] path = assignment.substring(0, eq).trim().split("\\.");
        Object value;
        try {
            value = RunConfigReader.yaml().load(assignment.substring(eq + 1));
        } catch (YAMLException e) {
            throw new ConfigFileException(file, "--set " + assignment + ": not a valid value: " + e.getMessage());
        }
        Map<String, Object> at = raw;
        for (int i = 0; i < path.length - 1; i++) {
            Object next = at.get(path[i]);
            if (next == null) {
                next = new LinkedHashMap<String, Object>();
                at.put(path[i], next);
            } else if (!(next instanceof Map<?, ?>)) {
                throw new ConfigFileException(file, "--set " + assignment + ": '" + path[i] + "' is not a section");
            }
            at = (Map<String, Object>) next;
        }
        at.put(path[path.length - 1], value);
    }
}
