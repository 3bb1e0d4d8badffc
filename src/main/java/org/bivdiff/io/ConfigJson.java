package org.bivdiff.io;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A component's {@code config.json}, read key by key into a typed config record. It remembers which
 * keys were read: {@link #finish()} fails on any key that no reader asked for and that is not
 * bookkeeping ({@code _class_name}, {@code _diffusers_version}, ...), so an architecture option we do
 * not implement is never silently ignored.
 *
 * <p>This is the only place that knows JSON spellings; configs see typed values.
 */
public final class ConfigJson {

    /** An enum whose constants carry the string diffusers uses for them. */
    public interface Spelled {
        String spelling();
    }

    private final Path file;
    /** Where {@link #root} sits in the file: {@code ""} for the whole file, {@code "text_config."} for a nested object. */
    private final String scope;
    private final JsonNode root;
    private final Set<String> read = new HashSet<>();

    private ConfigJson(Path file, String scope, JsonNode root) {
        this.file = file;
        this.scope = scope;
        this.root = root;
    }

    /** Reads {@code file}; it must hold a JSON object. */
    public static ConfigJson read(Path file) throws IOException {
        try {
            return parse(file, Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": config file not found");
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not valid UTF-8");
        }
    }

    /** Parses {@code text} as if read from {@code file} (for messages). */
    public static ConfigJson parse(Path file, String text) throws ConfigException {
        JsonNode node;
        try {
            node = Json.STRICT.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new ConfigException(file + ": expected a JSON object");
        }
        return new ConfigJson(file, "", node);
    }

    public Path file() {
        return file;
    }

    /** True if the key is present and not null. */
    public boolean has(String key) {
        JsonNode n = root.get(key);
        return n != null && !n.isNull();
    }

    /** True if the key holds a JSON object (a nested config). */
    public boolean isObject(String key) {
        JsonNode n = root.get(key);
        return n != null && n.isObject();
    }

    /** The class name diffusers wrote, or the empty string. */
    public String className() {
        read.add("_class_name");
        JsonNode n = root.get("_class_name");
        return n == null || !n.isTextual() ? "" : n.asText();
    }

    public int integer(String key) throws ConfigException {
        JsonNode n = required(key);
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw bad(key, n, "an integer");
        }
        return n.asInt();
    }

    public int integer(String key, int fallback) throws ConfigException {
        return has(key) ? integer(key) : mark(key, fallback);
    }

    public double number(String key) throws ConfigException {
        JsonNode n = required(key);
        if (!n.isNumber()) {
            throw bad(key, n, "a number");
        }
        return n.asDouble();
    }

    public double number(String key, double fallback) throws ConfigException {
        return has(key) ? number(key) : mark(key, fallback);
    }

    public boolean bool(String key, boolean fallback) throws ConfigException {
        if (!has(key)) {
            return mark(key, fallback);
        }
        JsonNode n = required(key);
        if (!n.isBoolean()) {
            throw bad(key, n, "true or false");
        }
        return n.asBoolean();
    }

    public String string(String key, String fallback) throws ConfigException {
        if (!has(key)) {
            return mark(key, fallback);
        }
        JsonNode n = required(key);
        if (!n.isTextual()) {
            throw bad(key, n, "a string");
        }
        return n.asText();
    }

    /** A list of integers; a single integer is accepted as a list of {@code length} copies when length > 0. */
    public int[] integers(String key, int length) throws ConfigException {
        JsonNode n = required(key);
        if (n.isIntegralNumber() && length > 0) {
            int[] a = new int[length];
            Arrays.fill(a, n.asInt());
            return a;
        }
        if (!n.isArray()) {
            throw bad(key, n, "a list of integers");
        }
        int[] a = new int[n.size()];
        for (int i = 0; i < a.length; i++) {
            if (!n.get(i).isIntegralNumber()) {
                throw bad(key, n, "a list of integers");
            }
            a[i] = n.get(i).asInt();
        }
        if (length > 0 && a.length != length) {
            throw new ConfigException(file + ": '" + scope + key + "' has " + a.length + " entries, expected " + length);
        }
        return a;
    }

    /** A list of strings, e.g. a backbone's {@code out_features}. */
    public List<String> strings(String key) throws ConfigException {
        JsonNode n = required(key);
        if (!n.isArray()) {
            throw bad(key, n, "a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw bad(key, n, "a list of strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    /** A list of numbers, e.g. a scheduler's {@code trained_betas}. */
    public double[] numbers(String key) throws ConfigException {
        JsonNode n = required(key);
        if (!n.isArray()) {
            throw bad(key, n, "a list of numbers");
        }
        double[] a = new double[n.size()];
        for (int i = 0; i < a.length; i++) {
            if (!n.get(i).isNumber()) {
                throw bad(key, n, "a list of numbers");
            }
            a[i] = n.get(i).asDouble();
        }
        return a;
    }

    /** The constant of {@code type} spelled as the string under {@code key}. */
    public <E extends Enum<E> & Spelled> E enumValue(String key, Class<E> type) throws ConfigException {
        JsonNode n = required(key);
        return spelled(key, n, type);
    }

    public <E extends Enum<E> & Spelled> E enumValue(String key, Class<E> type, E fallback) throws ConfigException {
        return has(key) ? enumValue(key, type) : mark(key, fallback);
    }

    /** A list of spelled constants, e.g. block types. */
    public <E extends Enum<E> & Spelled> List<E> enumList(String key, Class<E> type) throws ConfigException {
        JsonNode n = required(key);
        if (!n.isArray()) {
            throw bad(key, n, "a list of strings");
        }
        List<E> out = new ArrayList<>();
        for (JsonNode e : n) {
            out.add(spelled(key, e, type));
        }
        return out;
    }

    /**
     * The JSON object under {@code key} as a config of its own (a nested config such as CLIP's
     * {@code text_config}), with its own {@link #finish()}; messages name its keys as {@code key.name}.
     */
    public ConfigJson object(String key) throws ConfigException {
        JsonNode n = required(key);
        if (!n.isObject()) {
            throw bad(key, n, "a JSON object");
        }
        return new ConfigJson(file, scope + key + ".", n);
    }

    /** Marks keys as known but without effect on the architecture we build (e.g. {@code sample_size}). */
    public void ignore(String... keys) {
        read.addAll(List.of(keys));
    }

    /**
     * Fails if the file has keys that nobody read. Keys starting with {@code _} are bookkeeping and
     * always allowed.
     */
    public void finish() throws ConfigException {
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!k.startsWith("_") && !read.contains(k)) {
                unknown.add(scope + k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException(file + ": unsupported option(s) " + unknown
                    + "; this implementation does not know how they change the model");
        }
    }

    private <E extends Enum<E> & Spelled> E spelled(String key, JsonNode n, Class<E> type) throws ConfigException {
        Optional<E> e = n.isTextual() ? Spellings.find(type, Spelled::spelling, n.asText()) : Optional.empty();
        if (e.isPresent()) {
            return e.get();
        }
        List<String> known = Spellings.all(type, Spelled::spelling);
        throw new ConfigException(file + ": '" + scope + key + "' = " + n + " is not supported (supported: " + known + ")");
    }

    private JsonNode required(String key) throws ConfigException {
        read.add(key);
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            throw new ConfigException(file + ": missing '" + scope + key + "'");
        }
        return n;
    }

    private <T> T mark(String key, T fallback) {
        read.add(key);
        return fallback;
    }

    private ConfigException bad(String key, JsonNode n, String expected) {
        return new ConfigException(file + ": '" + scope + key + "' = " + n + " should be " + expected);
    }
}
