package org.bivdiff.cli.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.bivdiff.io.Spellings;

/**
 * Typed access to one level of a parsed YAML mapping, with errors naming the file and key. It remembers the keys
 * read, so that the reader spells each key once, where it reads it, and {@link #rejectUnknown()} names the others.
 */
final class Values {

    private final Map<String, Object> map;
    private final Path file;
    private final Path base;
    private final String prefix;
    private final Set<String> read = new TreeSet<>();

    /** The top level of a config. */
    Values(Map<String, Object> map, Path file, Path base) {
        this(map, file, base, "");
    }

    private Values(Map<String, Object> map, Path file, Path base, String prefix) {
        this.map = map;
        this.file = file;
        this.base = base;
        this.prefix = prefix;
    }

    /** The mapping {@code key} ({@code models}, {@code edit}): empty when absent. */
    Values section(String key) throws ConfigFileException {
        return new Values(map(key), file, base, prefix + key + ".");
    }

    /** Fails on a key no read asked for, listing the known ones; call after every value of this level is read. */
    void rejectUnknown() throws ConfigFileException {
        Set<String> extra = new TreeSet<>(map.keySet());
        extra.removeAll(read);
        if (!extra.isEmpty()) {
            throw new ConfigFileException(file, "unknown key(s) " + extra.stream().map(k -> prefix + k).toList()
                    + " (known: " + read.stream().map(k -> prefix + k).toList() + ")");
        }
    }

    private Object get(String key) {
        read.add(key);
        return map.get(key);
    }

    String string(String key, String fallback) throws ConfigFileException {
        Object v = get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Map<?, ?> || v instanceof List<?>) {
            throw bad(key, v, "a string");
        }
        return String.valueOf(v);
    }

    int integer(String key, int fallback) throws ConfigFileException {
        Object v = get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Long l && l == (int) (long) l) {
            return (int) (long) l;
        }
        throw bad(key, v, "an integer");
    }

    double number(String key, double fallback) throws ConfigFileException {
        Object v = get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw bad(key, v, "a number");
    }

    Path path(String key) throws ConfigFileException {
        String s = string(key, null);
        return s == null || s.isBlank() ? null : base.resolve(s).normalize();
    }

    Path pathOr(String key, Path fallback) throws ConfigFileException {
        Path p = path(key);
        return p == null ? fallback : p;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> map(String key) throws ConfigFileException {
        Object v = get(key);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?>)) {
            throw bad(key, v, "a mapping");
        }
        return (Map<String, Object>) v;
    }

    /** A list of strings; empty when absent. */
    List<String> strings(String key) throws ConfigFileException {
        Object v = get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list) || list.stream().anyMatch(e -> e instanceof Map<?, ?> || e instanceof List<?>)) {
            throw bad(key, v, "a list of words");
        }
        return list.stream().map(String::valueOf).toList();
    }

    /**
     * An enum value spelled as in config files ({@code across-frames}); required when
     * {@code fallback} is null.
     */
    <E extends Enum<E>> E choice(String key, Class<E> type, E fallback, Function<String, E> parser)
            throws ConfigFileException {
        String s = string(key, null);
        if (s == null) {
            if (fallback == null) {
                throw new ConfigFileException(file, "missing '" + key + "'");
            }
            return fallback;
        }
        try {
            return parser != null ? parser.apply(s) : Spellings.parse(key, s, type);
        } catch (IllegalArgumentException e) {
            throw new ConfigFileException(file, e.getMessage());
        }
    }

    private ConfigFileException bad(String key, Object v, String expected) {
        return new ConfigFileException(file, "'" + key + "' = " + v + " should be " + expected);
    }
}
