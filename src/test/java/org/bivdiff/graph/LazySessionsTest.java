package org.bivdiff.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.bivdiff.io.DType;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Tier 0: sessions are loaded once per key, on first use or ahead of it on another thread, and loaded again after a
 * close.
 */
class LazySessionsTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(1));

    /** y = x * factor. */
    private static Model scale(float factor) {
        Graph g = new Graph("scale");
        Value x = g.input("x", DType.F32, "n");
        g.output("y", g.mul(x, g.scalar(factor)));
        return g.build();
    }

    @Test
    void oneSessionPerKeyBuiltOnFirstUse() {
        List<Float> built = new ArrayList<>();
        try (LazySessions<Float> sessions = new LazySessions<>(ENGINE, f -> {
            built.add(f);
            return scale(f);
        })) {
            assertEquals(List.of(), built);
            Network two = sessions.get(2f);
            assertSame(two, sessions.get(2f));
            Tensor y = sessions.get(3f).run(Map.of("x", Tensor.of(new float[] {1f, -2f}, 2))).get("y");
            assertArrayEquals(new float[] {3f, -6f}, y.data());
            assertEquals(List.of(2f, 3f), built);
        }
    }

    @Test
    void singleGraphLoadsAgainAfterClose() {
        int[] loads = {0};
        LazySessions<Void> session = LazySessions.single(ENGINE, () -> {
            loads[0]++;
            return scale(0.5f);
        });
        Network first = session.get();
        assertSame(first, session.get());
        session.close();
        Network second = session.get();
        assertNotSame(first, second);
        assertArrayEquals(new float[] {2f}, second.run(Map.of("x", Tensor.of(new float[] {4f}, 1))).get("y").data());
        assertEquals(2, loads[0]);
        session.close();
    }

    @Test
    void aPrefetchedSessionLoadsOnAnotherThreadOnce() throws InterruptedException {
        List<String> threads = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        try (LazySessions<Float> sessions = new LazySessions<>(ENGINE, f -> {
            threads.add(Thread.currentThread().getName());
            try {
                assertTrue(release.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return scale(f);
        })) {
            sessions.prefetch(2f);
            sessions.prefetch(2f);                              // already loading: no second load
            release.countDown();
            Network two = sessions.get(2f);                     // waits for the background load
            assertSame(two, sessions.get(2f));
            assertArrayEquals(new float[] {-4f}, two.run(Map.of("x", Tensor.of(new float[] {-2f}, 1))).get("y").data());
            sessions.prefetch(2f);                              // loaded: nothing to do
            assertEquals(List.of("bivdiff-session-load"), threads);
        }
    }

    @Test
    void aFailedPrefetchIsReportedByGetAndTheNextGetLoadsAgain() {
        int[] attempts = {0};
        try (LazySessions<Void> session = LazySessions.single(ENGINE, () -> {
            if (attempts[0]++ == 0) {
                throw new IllegalArgumentException("no weights for 'conv_in.weight'");
            }
            return scale(3f);
        })) {
            session.prefetch();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, session::get);
            assertEquals("no weights for 'conv_in.weight'", e.getMessage());
            assertArrayEquals(new float[] {3f}, session.get().run(Map.of("x", Tensor.of(new float[] {1f}, 1)))
                    .get("y").data());
            assertEquals(2, attempts[0]);
        }
    }

    @Test
    void closeWaitsForALoadUnderWayAndClosesIt() {
        LazySessions<Void> session = LazySessions.single(ENGINE, () -> scale(1f));
        session.prefetch();
        session.close();
        Network again = session.get();                          // a fresh load after the close
        assertArrayEquals(new float[] {5f}, again.run(Map.of("x", Tensor.of(new float[] {5f}, 1))).get("y").data());
        session.close();
    }
}
