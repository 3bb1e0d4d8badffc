package org.bivdiff.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed {@code --name value...} options. An option takes every following word up to the next
 * {@code --option}, so {@code --case a b} and {@code --case a --case b} mean the same.
 */
final class Args {

    private final Map<String, List<String>> options;

    private Args(Map<String, List<String>> options) {
        this.options = options;
    }

    static Args parse(List<String> words) throws UsageException {
        Map<String, List<String>> options = new LinkedHashMap<>();
        List<String> current = null;
        for (String w : words) {
            if (w.startsWith("--")) {
                String name = w.substring(2);
                int eq = name.indexOf('=');
                current = options.computeIfAbsent(eq < 0 ? name : name.substring(0, eq), k -> new ArrayList<>());
                if (eq >= 0) {
                    current.add(name.substring(eq + 1));
                }
            } else if (current == null) {
                throw new UsageException("unexpected argument '" + w + "'");
            } else {
                current.add(w);
            }
        }
        return new Args(options);
    }

    /** Fails on options outside {@code known}. */
    Args allow(Set<String> known) throws UsageException {
        for (String k : options.keySet()) {
            if (!known.contains(k)) {
                throw new UsageException("unknown option --" + k + " (options: --" + String.join(", --", known) + ")");
            }
        }
        return this;
    }

    List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    String one(String name, String fallback) throws UsageException {
        List<String> v = options.get(name);
        if (v == null) {
            return fallback;
        }
        if (v.size() != 1) {
            throw new UsageException("--" + name + " takes one value, got " + v);
        }
        return v.getFirst();
    }

    int integer(String name, int fallback) throws UsageException {
        String v = one(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes an integer, got '" + v + "'");
        }
    }

    double number(String name, double fallback) throws UsageException {
        String v = one(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes a number, got '" + v + "'");
        }
    }

    long longInteger(String name, long fallback) throws UsageException {
        String v = one(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes an integer, got '" + v + "'");
        }
    }

    boolean has(String name) {
        return options.containsKey(name);
    }
}
