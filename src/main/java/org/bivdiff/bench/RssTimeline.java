package org.bivdiff.bench;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.io.MemoryStats;

/**
 * Where in a long run the resident memory peaks: a daemon thread samples {@code VmRSS} every
 * {@value #PERIOD_MS} ms, and {@link #mark} closes a phase (e.g. at the last step of a stage). Each
 * phase's figure is the highest sample since the previous mark, so it covers what ran between the
 * marks: loading the stage's models, its steps, and the previous stage's clean-up. Sampling can miss
 * a short spike; {@link MemoryStats#peak()} is the exact process peak.
 */
final class RssTimeline implements AutoCloseable {

    static final long PERIOD_MS = 50;

    private final long start = System.nanoTime();
    private final List<PipelineBench.Phase> phases = new ArrayList<>();
    private final Thread sampler;
    private long max = MemoryStats.rss();

    RssTimeline() {
        sampler = Thread.ofPlatform().daemon().name("rss-sampler").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                sample();
                try {
                    Thread.sleep(PERIOD_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private synchronized void sample() {
        max = Math.max(max, MemoryStats.rss());
    }

    /** Ends the current phase under {@code label}; the next starts now. */
    synchronized void mark(String label) {
        max = Math.max(max, MemoryStats.rss());
        phases.add(new PipelineBench.Phase(label, max, (System.nanoTime() - start) / 1e9));
        max = MemoryStats.rss();
    }

    /** The phases so far. */
    synchronized List<PipelineBench.Phase> phases() {
        return List.copyOf(phases);
    }

    @Override
    public void close() {
        sampler.interrupt();
    }
}
