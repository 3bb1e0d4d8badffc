package org.bivdiff.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How busy the rest of the machine was while something ran: the CPU time of every other process, from the
 * machine's busy time in {@code /proc/stat} less this process's own and its reaped children's
 * ({@code /proc/self/stat}). A quiet machine shows a few hundredths of a core; a figure near the core count
 * means the timings shared the cores. Elsewhere than Linux nothing is measured.
 */
public final class OtherCpu {

    /** Clock ticks per second of {@code /proc}'s CPU times (USER_HZ, 100 on every Linux build that matters). */
    private static final double TICKS_PER_SECOND = 100;

    /** A reading of the machine's and this process's CPU times. */
    public record Sample(long machineBusyTicks, long ownTicks, long nanos, int cores) {
    }

    /**
     * Other processes' CPU time over an interval.
     *
     * @param cpuSeconds  CPU seconds used by other processes
     * @param wallSeconds the interval's length
     * @param cores       the machine's cores
     */
    public record Usage(double cpuSeconds, double wallSeconds, int cores) {

        /** Cores the other processes kept busy on average. */
        public double averageCores() {
            return wallSeconds > 0 ? cpuSeconds / wallSeconds : 0;
        }

        /** e.g. {@code 12.3 CPU-s in 100.0 s (0.12 of 2 cores)}. */
        public String describe() {
            return String.format(Locale.ROOT, "%.1f CPU-s in %.1f s (%.2f of %d cores)", cpuSeconds,
                    wallSeconds, averageCores(), cores);
        }
    }

    private OtherCpu() {
    }

    /** The CPU times now, or empty where {@code /proc} cannot be read. */
    public static Optional<Sample> sample() {
        try {
            List<String> stat = Files.readAllLines(Path.of("/proc/stat"));
            String cpu = stat.getFirst();                                   // cpu user nice system idle ...
            int cores = (int) stat.stream().filter(l -> l.matches("cpu[0-9]+ .*")).count();
            String[] f = cpu.trim().split("\\s+");
            // user, nice, system, irq, softirq, steal (guest time is already inside user)
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
            String self = Files.readString(Path.of("/proc/self/stat"));
            // after "pid (comm) ", fields 3.. : utime, stime, cutime, cstime are fields 14 to 17
            String[] s = self.substring(self.lastIndexOf(')') + 2).trim().split("\\s+");
            long own = Long.parseLong(s[11]) + Long.parseLong(s[12]) + Long.parseLong(s[13]) + Long.parseLong(s[14]);
            return Optional.of(new Sample(busy, own, System.nanoTime(), cores));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Other processes' CPU time from {@code start} to now, or empty when either reading is missing. */
    public static Optional<Usage> since(Optional<Sample> start) {
        Optional<Sample> end = sample();
        if (start.isEmpty() || end.isEmpty()) {
            return Optional.empty();
        }
        Sample a = start.get();
        Sample b = end.get();
        long others = Math.max(0, (b.machineBusyTicks() - a.machineBusyTicks()) - (b.ownTicks() - a.ownTicks()));
        return Optional.of(new Usage(others / TICKS_PER_SECOND, (b.nanos() - a.nanos()) / 1e9, b.cores()));
    }
}
