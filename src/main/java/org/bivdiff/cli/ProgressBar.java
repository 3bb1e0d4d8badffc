package org.bivdiff.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

import org.bivdiff.pipelines.ProgressListener;

/**
 * Per-stage progress on the terminal: a bar redrawn in place with the step count and the time left,
 * or, when the output is not a terminal (logs, CI), one line per tenth of the stage.
 */
class ProgressBar implements ProgressListener {

    private static final int WIDTH = 30;

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
        if (!p.stage().equals(stage)) {
            stage = p.stage();
            lastTenth = -1;
        }
        int filled = p.total() == 0 ? WIDTH : WIDTH * p.step() / p.total();
        String line = String.format(Locale.ROOT, "%-22s [%s%s] %d/%d  %s elapsed, %s left", p.stage(),
                "#".repeat(filled), ".".repeat(WIDTH - filled), p.step(), p.total(), format(p.elapsed()),
                format(p.remaining()));
        if (interactive) {
            out.print("\r" + line + (p.step() == p.total() ? "\n" : ""));
        } else {
            int tenth = p.total() == 0 ? 10 : 10 * p.step() / p.total();
            if (tenth != lastTenth) {
                lastTenth = tenth;
                out.println(line);
            }
        }
        out.flush();
    }

    /** A message between stages. */
    synchronized void note(String message) {
        out.println(message);
        out.flush();
    }

    static String format(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
