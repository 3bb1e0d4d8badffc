package org.bivdiff.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.io.DType;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The optimised-session cache: a second load comes from the cache and computes the same bits; the entries keep
 * within their budget, least recently used first out; a cache that cannot serve never fails a load.
 */
class SessionCacheTest {

    private static final Path VAE = Fixtures.root().resolve("models/tiny-sd15/vae");
    private static final Tensor Z = Tensor.full(0.25f, 1, 4, 8, 8);

    @Test
    void secondLoadUsesTheCachedGraphAndAgrees(@TempDir Path cache) throws Exception {
        Engine cached = new Engine(Engine.Options.defaults().withThreads(1).withSessionCache(cache));
        Tensor expected = decode(plain());
        Tensor first = decode(cached);
        assertEquals(1, complete(cache).size(), "one complete entry for the decoder graph");
        Tensor second = decode(cached);
        assertArrayEquals(expected.data(), first.data(), "optimising into the cache changed the decoder's output");
        assertArrayEquals(expected.data(), second.data(), "loading from the cache changed the decoder's output");
        assertTrue(partials(cache).isEmpty(), "no partial entries left");
    }

    @Test
    void leastRecentlyUsedEntriesMakeRoom(@TempDir Path root) throws Exception {
        Instant now = Instant.now();
        Path a = entry(root, "a", 1000, now.minus(Duration.ofHours(3)));
        Path b = entry(root, "b", 1000, now.minus(Duration.ofHours(2)));
        Path c = entry(root, "c", 1000, now.minus(Duration.ofHours(1)));
        SessionCache cache = new SessionCache(root, 3000);

        assertFalse(cache.makeRoom(3001), "an entry larger than the budget");
        assertTrue(Files.exists(a) && Files.exists(b) && Files.exists(c), "nothing is deleted for it");

        SessionCache.used(a);                                   // a is now the most recently used
        assertTrue(cache.makeRoom(1000));
        assertEquals(List.of(a, c), complete(root), "b, the least recently used, made room");
    }

    @Test
    void abandonedPartialFoldersAreDeletedAndLiveOnesCount(@TempDir Path root) throws Exception {
        Path old = partial(root, "old", 5000, Instant.now().minus(SessionCache.ABANDONED).minusSeconds(60));
        Path live = partial(root, "live", 1000, Instant.now());
        Path a = entry(root, "a", 1000, Instant.now().minus(Duration.ofHours(1)));
        SessionCache cache = new SessionCache(root, 3000);

        assertTrue(cache.makeRoom(1000));
        assertFalse(Files.exists(old), "a partial folder untouched for an hour was left by a dead process");
        assertTrue(Files.exists(live) && Files.exists(a), "1000 + 1000 + 1000 fit in 3000");
        assertTrue(cache.makeRoom(1400));
        assertFalse(Files.exists(a), "the live partial folder's 1000 bytes count: the entry made room");
        assertFalse(cache.makeRoom(2100), "only complete entries are deleted to make room");
        assertTrue(Files.exists(live));
    }

    @Test
    void aGraphLargerThanTheBudgetLoadsWithoutTheCache(@TempDir Path root) throws Exception {
        Engine tight = new Engine(Engine.Options.defaults().withThreads(1).withSessionCache(new SessionCache(root, 1)));
        assertArrayEquals(decode(plain()).data(), decode(tight).data());
        assertTrue(complete(root).isEmpty() && partials(root).isEmpty(), "nothing written");
    }

    @Test
    void aDamagedEntryIsReplaced(@TempDir Path root) throws Exception {
        Engine cached = new Engine(Engine.Options.defaults().withThreads(1).withSessionCache(root));
        Tensor expected = decode(cached);
        Path model = complete(root).getFirst().resolve(SessionCache.MODEL);
        long size = Files.size(model);
        Files.writeString(model, "not a graph");

        assertArrayEquals(expected.data(), decode(cached).data());
        assertEquals(1, complete(root).size());
        assertEquals(size, Files.size(complete(root).getFirst().resolve(SessionCache.MODEL)), "written anew");
    }

    @Test
    void aCacheThatCannotBeWrittenIsPassedBy(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        Engine cached = new Engine(Engine.Options.defaults().withThreads(1).withSessionCache(file.resolve("cache")));
        assertArrayEquals(decode(plain()).data(), decode(cached).data());
    }

    @Test
    void theEstimateIsTheWeightsInTheComputeType() throws Exception {
        try (AutoencoderKL v = AutoencoderKL.load(VAE, plain())) {
            Model decoder = v.decodeGraph();
            long bytes = SessionCache.estimate(decoder, DType.F32);
            long params = 0;
            for (Map.Entry<String, long[]> e : AutoencoderKL.parameterShapes(VAE).entrySet()) {
                if (e.getKey().startsWith("decoder.") || e.getKey().startsWith("post_quant_conv.")) {
                    long n = 1;
                    for (long d : e.getValue()) {
                        n *= d;
                    }
                    params += n;
                }
            }
            assertTrue(bytes >= 4 * params && bytes < 4 * params + 65536,
                    "the decoder's " + params + " float32 weights, give or take the graph's constants: " + bytes);
        }
    }

    private static Engine plain() {
        return new Engine(Engine.Options.defaults().withThreads(1));
    }

    private static Tensor decode(Engine engine) throws IOException {
        try (AutoencoderKL v = AutoencoderKL.load(VAE, engine)) {
            return v.decode(Z);
        }
    }

    private static Path entry(Path root, String name, int bytes, Instant used) throws IOException {
        Path e = Files.createDirectories(root.resolve(name));
        Files.write(e.resolve(SessionCache.WEIGHTS), new byte[bytes - 3]);
        Files.writeString(e.resolve(".complete"), "ok\n");
        Files.setLastModifiedTime(e.resolve(".complete"), FileTime.from(used));
        return e;
    }

    private static Path partial(Path root, String name, int bytes, Instant touched) throws IOException {
        Path p = Files.createDirectories(root.resolve(".partial-" + name));
        Path w = Files.write(p.resolve(SessionCache.WEIGHTS), new byte[bytes]);
        Files.setLastModifiedTime(w, FileTime.from(touched));
        Files.setLastModifiedTime(p, FileTime.from(touched));
        return p;
    }

    private static List<Path> complete(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(SessionCache::isComplete).sorted().toList();
        }
    }

    private static List<Path> partials(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".partial-")).toList();
        }
    }
}
