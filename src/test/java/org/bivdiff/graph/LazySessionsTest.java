package org.bivdiff.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.bivdiff.io.DType;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Tier 0: sessions are loaded once per key, on first use, and loaded again after a close. */
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
}
