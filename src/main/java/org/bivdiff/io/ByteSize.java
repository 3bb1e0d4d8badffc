package org.bivdiff.io;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts as the Hub shows them: decimal units, three significant digits ({@code 4.27 GB}); and read back. */
public final class ByteSize {

    private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB"};
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(?:([kmgt])(i)?b?|b)?",
            Pattern.CASE_INSENSITIVE);

    private ByteSize() {
    }

    public static String format(long bytes) {
        double v = bytes;
        int unit = 0;
        while (v >= 999.5 && unit < UNITS.length - 1) {
            v /= 1000;
            unit++;
        }
        if (unit == 0) {
            return bytes + " B";
        }
        return String.format(Locale.ROOT, v >= 99.95 ? "%.0f %s" : v >= 9.995 ? "%.1f %s" : "%.2f %s", v, UNITS[unit]);
    }

    /**
     * A size as people write it: {@code 40GB}, {@code 40 G}, {@code 1.5T}, {@code 500MB}, {@code 2GiB}, {@code 1024};
     * k, M, G and T are powers of 1000, ki, Mi, Gi and Ti of 1024, and a bare number is bytes.
     *
     * @throws IllegalArgumentException naming the text when it is not a size
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 40GB, 500MB, 2GiB)");
        }
        double value = Double.parseDouble(m.group(1));
        if (m.group(2) != null) {
            int power = "kmgt".indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1;
            value *= Math.pow(m.group(3) != null ? 1024 : 1000, power);
        }
        if (value >= Long.MAX_VALUE) {
            throw new IllegalArgumentException("'" + text + "' is too large a size");
        }
        return Math.round(value);
    }
}
