package org.bivdiff.io;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * How enum constants are written in config files, on the command line and in names: the one place that turns a
 * constant into its spelling and a spelling back into its constant. Each caller keeps its own error message.
 */
public final class Spellings {

    private Spellings() {
    }

    /** The lower-case, dash-separated spelling ({@code across-frames} for ACROSS_FRAMES). */
    public static String kebab(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The lower-case name ({@code across_frames} for ACROSS_FRAMES). */
    public static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The constant of {@code type} whose {@code spelling} is exactly {@code s}. */
    public static <E extends Enum<E>> Optional<E> find(Class<E> type, Function<? super E, String> spelling, String s) {
        for (E e : type.getEnumConstants()) {
            if (spelling.apply(e).equals(s)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * The constant of {@code type} named {@code s} in any case, around white space, with dashes for underscores
     * ({@code across-frames}, {@code ACROSS_FRAMES} and {@code Across-Frames} all give ACROSS_FRAMES).
     */
    public static <E extends Enum<E>> Optional<E> findName(Class<E> type, String s) {
        return find(type, Enum::name, s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /** Every constant's spelling, in declaration order. */
    public static <E extends Enum<E>> List<String> all(Class<E> type, Function<? super E, String> spelling) {
        return Arrays.stream(type.getEnumConstants()).map(spelling).toList();
    }

    /**
     * The constant of {@code type} spelled {@code s} as {@link #findName} reads it.
     *
     * @param key what {@code s} was given for, named in the error
     * @throws IllegalArgumentException {@code 'key' = 's' is not one of [...]} with the {@link #kebab} spellings
     */
    public static <E extends Enum<E>> E parse(String key, String s, Class<E> type) {
        return findName(type, s).orElseThrow(() -> new IllegalArgumentException(
                "'" + key + "' = '" + s + "' is not one of " + all(type, Spellings::kebab)));
    }
}
