package org.bivdiff.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optimised-session cache: a second load comes from the cache and computes the same values. */
class SessionCacheTest {

    @Test
    void secondLoadUsesTheCachedGraphAndAgrees(@TempDir Path cache) throws Exception {
        Engine cached = new Engine(Engine.Options.defaults().withThreads(1).withSessionCache(cache));
        Engine plain = new Engine(Engine.Options.defaults().withThreads(1));
        Path vae = Fixtures.root().resolve("models/tiny-sd15/vae");
        Tensor z = Tensor.full(0.25f, 1, 4, 8, 8);
        Tensor expected;
        try (AutoencoderKL v = AutoencoderKL.load(vae, plain)) {
            expected = v.decode(z);
        }
        Tensor first;
        try (AutoencoderKL v = AutoencoderKL.load(vae, cached)) {
            first = v.decode(z);
        }
        long entries;
        try (Stream<Path> s = Files.list(cache)) {
            entries = s.filter(p -> SessionCache.isComplete(p) && Files.exists(p.resolve(SessionCache.MODEL))).count();
        }
        assertEquals(1, entries, "one complete entry for the decoder graph");
        Tensor second;
        try (AutoencoderKL v = AutoencoderKL.load(vae, cached)) {
            second = v.decode(z);
        }
        TensorAssert.assertClose(expected, first, 1e-5, 1e-5, "optimising into the cache");
        TensorAssert.assertClose(expected, second, 1e-5, 1e-5, "loading from the cache");
        try (Stream<Path> s = Files.list(cache)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".partial-")), "no partial entries left");
        }
    }
}
