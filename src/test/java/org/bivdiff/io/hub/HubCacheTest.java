package org.bivdiff.io.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the cache without requests: revisions, snapshot folders, the listing, and model ids. */
class HubCacheTest {

    private static final String OLD = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static final String NEW = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    @TempDir
    Path dir;
    private HubCache cache;
    private Path repo;

    /** org/model with two snapshots sharing the unet blob, main at the newer one, and a half-done download. */
    @BeforeEach
    void cacheWithTwoSnapshots() throws IOException {
        cache = new HubCache(dir.resolve("hub"));
        ModelId id = ModelId.of("org/model");
        repo = cache.repoFolder(id);
        Path blobs = Files.createDirectories(repo.resolve("blobs"));
        Files.write(blobs.resolve("unet-blob"), new byte[1000]);
        Files.write(blobs.resolve("config-old"), new byte[10]);
        Files.write(blobs.resolve("config-new"), new byte[20]);
        Files.write(blobs.resolve("next.incomplete"), new byte[300]);
        for (String[] s : new String[][] {{OLD, "config-old"}, {NEW, "config-new"}}) {
            Path snap = cache.snapshot(id, s[0]);
            cache.link(snap.resolve("unet/diffusion_pytorch_model.safetensors"), blobs.resolve("unet-blob"));
            cache.link(snap.resolve("unet/config.json"), blobs.resolve(s[1]));
        }
        cache.writeRef(id, NEW);
        cache.writeRef(new ModelId("org/model", "v1.0", ""), OLD);
    }

    @Test
    void revisionsResolveThroughRefs() throws IOException {
        assertEquals(Optional.of(cache.snapshot(ModelId.of("org/model"), NEW)), cache.find(ModelId.of("org/model")));
        assertEquals(Optional.of(cache.snapshot(ModelId.of("org/model"), OLD).resolve("unet")),
                cache.find(ModelId.require("org/model@v1.0/unet")));
        assertEquals(Optional.of(cache.snapshot(ModelId.of("org/model"), OLD)), cache.find(ModelId.require("org/model@"
                + OLD)), "a commit needs no ref");
        assertEquals(Optional.empty(), cache.find(ModelId.require("org/model/vae")));
        assertEquals(Optional.empty(), cache.find(ModelId.require("org/model@v2")));
        assertEquals(Optional.empty(), cache.find(ModelId.require("org/other")));
        assertEquals(Path.of("../../../blobs/unet-blob"), Files.readSymbolicLink(cache.snapshot(ModelId.of("org/model"),
                NEW).resolve("unet/diffusion_pytorch_model.safetensors")));
        Files.writeString(repo.resolve("refs/main"), "not a commit");
        HubException e = assertThrows(HubException.class, () -> cache.find(ModelId.of("org/model")));
        assertTrue(e.getMessage().contains("refs/main: holds 'not a commit', not a commit hash"), e.getMessage());
    }

    @Test
    void listingCountsSharedBlobsOnce() throws IOException {
        Files.createDirectories(dir.resolve("hub/datasets--org--data"));   // not a model: not listed
        List<CacheListing.Repo> repos = CacheListing.scan(cache);
        assertEquals(1, repos.size());
        CacheListing.Repo r = repos.getFirst();
        assertEquals("org/model", r.repo());
        assertEquals(1030, r.bytes(), "each blob once");
        assertEquals(300, r.unfinished());
        assertEquals(List.of(new CacheListing.Snapshot(OLD, List.of("v1.0"), 2, 1010),
                new CacheListing.Snapshot(NEW, List.of("main"), 2, 1020)), r.snapshots());
        assertEquals(List.of(), CacheListing.scan(new HubCache(dir.resolve("nothing"))));
    }

    @Test
    void locatorPrefersFoldersThenTheCache() throws IOException {
        ModelLocator locator = ModelLocator.cacheOnly(new HubSettings(HubSettings.DEFAULT_ENDPOINT, cache.root(),
                Optional.empty(), false));
        Path base = Files.createDirectories(dir.resolve("work"));
        assertEquals(cache.snapshot(ModelId.of("org/model"), NEW).resolve("unet"), locator.locate("org/model/unet", base));
        Path folder = Files.createDirectories(base.resolve("org/model"));
        assertEquals(folder, locator.locate("org/model", base), "an existing folder wins");
        assertEquals(base.resolve("sd15"), locator.locate("sd15", base), "no id: the path, for the caller to report");
        ModelLocator.NotCachedException e = assertThrows(ModelLocator.NotCachedException.class,
                () -> locator.locate("org/model@v2", base));
        assertTrue(e.getMessage().endsWith("does not hold the model org/model@v2; download it with: "
                + "bin/bivdiff models pull org/model@v2 (or add --download)"), e.getMessage());
    }
}
