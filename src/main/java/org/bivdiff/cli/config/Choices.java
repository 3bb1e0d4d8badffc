package org.bivdiff.cli.config;

import java.util.Arrays;
import java.util.Locale;

/** Parsing of the lower-case, dash-separated spellings config files use for enum values. */
public final class Choices {

    private Choices() {
    }

    /** The constant of {@code type} spelled {@code s} ({@code across-frames} for ACROSS_FRAMES). */
    public static <E extends Enum<E>> E parse(String key, String s, Class<E> type) {
        String k = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(k)) {
                return e;
            }
        }
        throw new IllegalArgumentException("'" + key + "' = '" + s + "' is not one of "
                + Arrays.stream(type.getEnumConstants()).map(Choices::spelling).toList());
    }

    /** The config spelling of a constant. */
    public static String spelling(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
