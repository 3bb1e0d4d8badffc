package org.bivdiff.bivdiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** A model shared by stages: loaded once, ahead of time on another thread when asked, closed once. */
class ResidentTest {

    @Test
    void stagesShareOneLoadAndCloseReleasesIt() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        List<Object> closed = new ArrayList<>();
        Object model;
        try (Resident<Object> r = new Resident<>(() -> {
            loads.incrementAndGet();
            return new Object();
        }, m -> { }, closed::add)) {
            model = r.get();
            assertSame(model, r.get(), "the second stage gets the first stage's model");
            r.close();
            assertEquals(List.of(model), closed);
            assertNotEquals(model, r.get(), "after a close, a stage that asks loads it again");
        }
        assertEquals(2, loads.get());
        assertEquals(2, closed.size(), "closed by the stage, then by the end of the run");
    }

    @Test
    void aBackgroundLoadRunsOnAnotherThreadAndGetWaitsForIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        try (Resident<String> r = new Resident<>(() -> {
            threads.add(Thread.currentThread().getName());
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return "unet";
        }, m -> { }, m -> { })) {
            r.loadInBackground();
            r.loadInBackground();                          // already loading: no second load
            release.countDown();
            assertEquals("unet", r.get());
            assertEquals("unet", r.get());
        }
        assertEquals(List.of("bivdiff-model-load"), threads);
    }

    @Test
    void aFailedBackgroundLoadFailsTheStageThatNeedsIt() {
        Resident<String> r = new Resident<>(() -> {
            throw new IOException("no weights");
        }, m -> { }, m -> { });
        r.loadInBackground();
        assertEquals("no weights", assertThrows(IOException.class, r::get).getMessage());
        r.close();
    }

    @Test
    void closingWhileLoadingWaitsForTheLoadAndReleasesIt() {
        List<String> closed = new ArrayList<>();
        Resident<String> r = new Resident<>(() -> "unet", m -> { }, closed::add);
        r.loadInBackground();
        r.close();
        assertEquals(List.of("unet"), closed);
    }

    @Test
    void aModelWhoseSessionFailsIsReleased() {
        List<String> closed = new ArrayList<>();
        Resident<String> r = new Resident<>(() -> "unet", m -> {
            throw new IllegalStateException("ONNX Runtime could not load graph 'unet3d'");
        }, closed::add);
        assertEquals("ONNX Runtime could not load graph 'unet3d'",
                assertThrows(IllegalStateException.class, r::get).getMessage());
        assertEquals(List.of("unet"), closed);
        r.close();
        assertEquals(List.of("unet"), closed, "nothing left to release");
    }
}
