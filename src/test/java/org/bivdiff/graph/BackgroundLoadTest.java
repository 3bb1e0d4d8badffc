package org.bivdiff.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

/** A load on a daemon thread of its own, whose result or failure the caller takes as the loader produced it. */
class BackgroundLoadTest {

    @Test
    void theLoadRunsOnANamedDaemonThreadBesideTheCaller() throws Exception {
        CountDownLatch callerWentOn = new CountDownLatch(1);
        BackgroundLoad<Thread> load = BackgroundLoad.start("bivdiff-test-load", () -> {
            try {
                callerWentOn.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return Thread.currentThread();
        });
        callerWentOn.countDown();                       // the load could not finish before this line
        Thread loader = load.join();
        assertEquals("bivdiff-test-load", loader.getName());
        assertTrue(loader.isDaemon());
        assertSame(loader, load.join(), "joining again gives the same result");
    }

    @Test
    void failuresReachTheCallerAsTheLoaderMetThem() {
        IOException io = new IOException("no weights");
        assertSame(io, assertThrows(IOException.class, BackgroundLoad.start("t", () -> {
            throw io;
        })::join));
        assertSame(io, assertThrows(IOException.class, BackgroundLoad.start("t", () -> {
            throw new UncheckedIOException(io);
        })::join), "an unchecked I/O failure is reported as its I/O exception");
        IllegalStateException bad = new IllegalStateException("bad graph");
        assertSame(bad, assertThrows(IllegalStateException.class, BackgroundLoad.start("t", () -> {
            throw bad;
        })::join));
        OutOfMemoryError oom = new OutOfMemoryError("weights");
        assertSame(oom, assertThrows(OutOfMemoryError.class, BackgroundLoad.start("t", () -> {
            throw oom;
        })::join));
    }
}
