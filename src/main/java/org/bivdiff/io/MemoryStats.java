package org.bivdiff.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process from {@code /proc/self/status}: {@code VmRSS} now and
 * {@code VmHWM}, the peak since start or since the last {@link #resetPeak()} (Linux 4.0+:
 * {@code echo 5 > /proc/self/clear_refs}). Elsewhere every figure is -1.
 */
public final class MemoryStats {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private MemoryStats() {
    }

    /** VmRSS in bytes, or -1. */
    public static long rss() {
        return field("VmRSS:");
    }

    /** VmHWM in bytes, or -1. */
    public static long peak() {
        return field("VmHWM:");
    }

    /** Resets VmHWM to the current VmRSS; false when the kernel does not allow it. */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;           // kB
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
