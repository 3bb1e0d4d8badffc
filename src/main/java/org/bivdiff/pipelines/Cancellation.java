package org.bivdiff.pipelines;

import java.util.concurrent.CancellationException;

/** A flag a long run checks between steps; {@link #cancel()} from any thread stops it at the next check. */
public final class Cancellation {

    /** Never cancelled. */
    public static final Cancellation NONE = new Cancellation();

    private volatile boolean cancelled;

    public void cancel() {
        if (this == NONE) {
            throw new IllegalStateException("Cancellation.NONE cannot be cancelled");
        }
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Throws {@link CancellationException} naming {@code where} if cancelled. */
    public void check(String where) {
        if (cancelled) {
            throw new CancellationException("cancelled during " + where);
        }
    }
}
