package org.bivdiff.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

import org.bivdiff.io.ByteSize;
import org.bivdiff.io.hub.DownloadListener;
import org.bivdiff.pipelines.ProgressListener;

/**
 * Per-stage progress on the terminal: a bar redrawn in place with the step count and the time left,
 * or, when the output is not a terminal (logs, CI), one line per tenth of the stage. Downloads get the
 * same bar per file, with bytes, rate and time left ({@link #downloads}).
 */
class ProgressBar implements ProgressListener {

    private static final int WIDTH = 30;
    /** Redraws of a download bar at most this often on a terminal. */
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final boolean interactive;
    private String stage = "";
    private int lastTenth = -1;

    ProgressBar(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** A bar on standard error, redrawn in place when a console is attached. */
    static ProgressBar stderr() {
        return new ProgressBar(System.err, System.console() != null);
    }

    @Override
    public synchronized void onStep(Progress p) {
        String line = String.format(Locale.ROOT, "%-22s %s %d/%d  %s elapsed, %s left", p.stage(),
                bar(p.step(), p.total()), p.step(), p.total(), format(p.elapsed()), format(p.remaining()));
        show(p.stage(), line, p.step(), p.total());
    }

    /** A model load between steps: {@code loading UNet3D ... 12.3 s}. */
    @Override
    public void onLoad(String model, Duration elapsed) {
        note(String.format(Locale.ROOT, "loading %s ... %.1f s", model, elapsed.toNanos() / 1e9));
    }

    /** A message between stages. */
    synchronized void note(String message) {
        out.println(message);
        out.flush();
    }

    /** A bar per downloaded file: bytes so far and in all, rate, time left; then how the file ended. */
    DownloadListener downloads() {
        return new DownloadListener() {
            private long startNanos;
            private long startBytes;
            private long lastDraw;

            @Override
            public void started(String file, long size, long from) {
                startNanos = System.nanoTime();
                startBytes = from;
                lastDraw = 0;
            }

            @Override
            public void progress(String file, long done, long size) {
                long now = System.nanoTime();
                if (interactive && done < size && now - lastDraw < REDRAW_NANOS) {
                    return;
                }
                lastDraw = now;
                double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
                double rate = (done - startBytes) / seconds;
                Duration left = rate <= 0 ? Duration.ZERO : Duration.ofSeconds((long) ((size - done) / rate));
                String line = String.format(Locale.ROOT, "%-40s %s %s / %s  %s/s  %s left", shorten(file),
                        bar(done, size), ByteSize.format(done), ByteSize.format(size), ByteSize.format((long) rate),
                        format(left));
                synchronized (ProgressBar.this) {
                    show(file, line, done, size);
                }
            }

            @Override
            public void finished(String file, long size, Outcome outcome) {
                if (outcome != Outcome.DOWNLOADED) {
                    note(String.format(Locale.ROOT, "%-40s %s, %s", shorten(file), ByteSize.format(size),
                            outcome == Outcome.CACHED ? "already in the cache" : "linked to a blob the cache has"));
                }
            }
        };
    }

    /** Draws {@code line} for item {@code key} at {@code done} of {@code total}. */
    private void show(String key, String line, long done, long total) {
        if (!key.equals(stage)) {
            stage = key;
            lastTenth = -1;
        }
        if (interactive) {
            out.print("\r" + line + (done == total ? "\n" : ""));
        } else {
            int tenth = total == 0 ? 10 : (int) (10 * done / total);
            if (tenth != lastTenth) {
                lastTenth = tenth;
                out.println(line);
            }
        }
        out.flush();
    }

    private static String bar(long done, long total) {
        int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
        return "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "]";
    }

    private static String shorten(String file) {
        return file.length() <= 40 ? file : "..." + file.substring(file.length() - 37);
    }

    static String format(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
