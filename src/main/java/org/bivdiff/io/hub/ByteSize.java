package org.bivdiff.io.hub;

import java.util.Locale;

/** Byte counts as the Hub shows them: decimal units, three significant digits ({@code 4.27 GB}). */
public final class ByteSize {

    private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB"};

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
}
