package org.bivdiff.io.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from the loopback Hub stand-in into a temporary cache: the layout, the protocol, and the faults. */
class SnapshotDownloadTest {

    private static final String TOKEN = "hf_standin_token";
    private static final String REPO = "org/tiny-sd";
    /** Large enough that a transfer cut halfway is cut in the middle of many reads. */
    private static final byte[] UNET = random(6_000_000, 1);
    private static final byte[] UNET_FP16 = random(3_000_000, 2);
    private static final byte[] TEXT = random(700_000, 3);
    private static final String UNET_FILE = "unet/diffusion_pytorch_model.safetensors";

    @TempDir
    Path dir;
    private HubStandIn hub;
    private HubStandIn.Repo repo;

    @BeforeEach
    void start() throws IOException {
        hub = new HubStandIn(TOKEN);
        Map<String, byte[]> files = new TreeMap<>();
        files.put("model_index.json", text("{\"_class_name\": \"StableDiffusionPipeline\"}"));
        files.put("README.md", text("# tiny"));
        files.put("v1-5-pruned-emaonly.safetensors", random(1000, 4));
        files.put("unet/config.json", text("{\"in_channels\": 4}"));
        files.put(UNET_FILE, UNET);
        files.put("unet/diffusion_pytorch_model.fp16.safetensors", UNET_FP16);
        files.put("unet/diffusion_pytorch_model.bin", random(5000, 5));
        files.put("unet/diffusion_pytorch_model.non_ema.safetensors", random(5000, 6));
        files.put("text_encoder/config.json", text("{}"));
        files.put("text_encoder/model.safetensors", TEXT);
        files.put("text_encoder/pytorch_model.bin", random(5000, 7));
        files.put("tokenizer/vocab.json", text("{\"a</w>\": 0}"));
        files.put("tokenizer/merges.txt", text("#version: 0.2\n"));
        files.put("safety_checker/config.json", text("{}"));
        files.put("safety_checker/model.safetensors", random(5000, 8));
        repo = hub.publish(REPO, files, false);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private SnapshotDownload downloader(String token) {
        return new SnapshotDownload(hub.settings(dir.resolve("hub"), token), Duration.ofMillis(20), Duration.ofSeconds(5));
    }

    private SnapshotDownload.Result pull(String id) throws IOException {
        return downloader(null).pull(ModelId.require(id), FileSelection.pipeline(), DownloadListener.NONE);
    }

    private Path repoFolder() {
        return dir.resolve("hub/models--org--tiny-sd");
    }

    @Test
    void pullLaysOutTheCacheAsHuggingfaceHub() throws IOException {
        SnapshotDownload.Result r = pull(REPO);
        Path snapshot = repoFolder().resolve("snapshots").resolve(repo.commit());
        assertEquals(snapshot, r.folder());
        assertEquals(repo.commit(), Files.readString(repoFolder().resolve("refs/main")), "refs/main, no newline");
        assertEquals(List.of("model_index.json", "safety_checker/config.json", "text_encoder/config.json",
                "text_encoder/model.safetensors", "tokenizer/merges.txt", "tokenizer/vocab.json", "unet/config.json",
                UNET_FILE), r.files(), "configs, tokenizer and one set of weights per folder; no safety checker weights");
        Path unet = snapshot.resolve(UNET_FILE);
        assertTrue(Files.isSymbolicLink(unet));
        assertEquals(Path.of("../../../blobs/" + HubStandIn.sha256(UNET)), Files.readSymbolicLink(unet),
                "LFS files link to blobs/<sha256>, relatively");
        assertArrayEquals(UNET, Files.readAllBytes(unet));
        Path index = snapshot.resolve("model_index.json");
        assertEquals(Path.of("../../blobs/" + HubStandIn.gitHash(repo.files().get("model_index.json"))),
                Files.readSymbolicLink(index), "plain git files link to blobs/<git blob hash>");
        assertTrue(Files.exists(dir.resolve("hub/CACHEDIR.TAG")));
        assertEquals(UNET.length + TEXT.length + sizeOfPlainFiles(r), r.bytes());
        assertEquals(r.bytes() - 2, r.downloaded(), "the two '{}' configs are one blob: downloaded once, linked twice");
        try (Stream<Path> s = Files.list(repoFolder().resolve("blobs"))) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".incomplete")), "no partial files left");
        }
    }

    @Test
    void tokenGoesToTheHubButNeverToTheCdn() throws IOException {
        downloader(TOKEN).pull(ModelId.of(REPO), FileSelection.pipeline(), DownloadListener.NONE);
        List<HubStandIn.Request> requests = hub.requests();
        assertTrue(requests.stream().anyMatch(q -> q.server().equals("cdn")), "LFS files come from the CDN");
        for (HubStandIn.Request q : requests) {
            String auth = q.headers().getFirst("Authorization");
            if (q.server().equals("hub")) {
                assertEquals("Bearer " + TOKEN, auth, q.path());
            } else {
                assertNull(auth, "the token must not leave the Hub: " + q.path());
            }
        }
        assertTrue(requests.stream().anyMatch(q -> q.method().equals("HEAD") && q.path().contains("/resolve/"
                + repo.commit() + "/")), "files are resolved at the commit, not at 'main'");
    }

    @Test
    void variantAndIncludePatternsChooseTheFiles() throws IOException {
        SnapshotDownload d = downloader(null);
        SnapshotDownload.Result fp16 = d.pull(ModelId.of(REPO), new FileSelection(List.of(Glob.of("unet/*")),
                Optional.of("fp16")), DownloadListener.NONE);
        assertEquals(List.of("unet/config.json", "unet/diffusion_pytorch_model.fp16.safetensors"), fp16.files());
        SnapshotDownload.Result sub = d.pull(ModelId.require(REPO + "/text_encoder"), FileSelection.pipeline(),
                DownloadListener.NONE);
        assertEquals(List.of("text_encoder/config.json", "text_encoder/model.safetensors"), sub.files());
        assertEquals(repoFolder().resolve("snapshots").resolve(repo.commit()).resolve("text_encoder"), sub.folder());
        HubException none = assertThrows(HubException.class, () -> d.pull(ModelId.of(REPO),
                new FileSelection(List.of(Glob.of("*.onnx")), Optional.empty()), DownloadListener.NONE));
        assertTrue(none.getMessage().contains("no file matches --include '*.onnx'"), none.getMessage());
        assertTrue(none.getMessage().contains("model_index.json"), "lists what the repository holds");
    }

    @Test
    void secondPullDownloadsNothingAndSharedBlobsAreOnlyLinked() throws IOException {
        pull(REPO);
        long cdn = hub.requests().stream().filter(q -> q.server().equals("cdn")).count();
        List<DownloadListener.Outcome> outcomes = new ArrayList<>();
        SnapshotDownload.Result again = downloader(null).pull(ModelId.of(REPO), FileSelection.pipeline(),
                new DownloadListener() {
                    @Override
                    public void finished(String file, long size, Outcome outcome) {
                        outcomes.add(outcome);
                    }
                });
        assertEquals(0, again.downloaded());
        assertTrue(outcomes.stream().allMatch(o -> o == DownloadListener.Outcome.CACHED), outcomes.toString());
        assertEquals(cdn, hub.requests().stream().filter(q -> q.server().equals("cdn")).count());
        // a second repository holding the same weights links the blob it already has... in its own folder
        hub.publish("org/copy", Map.of("model.safetensors", UNET), false);
        SnapshotDownload.Result copy = pull("org/copy");
        assertEquals(UNET.length, copy.downloaded(), "each repository has its own blobs folder, as in huggingface_hub");
    }

    @Test
    void gatedRepositoryNeedsTheToken() throws IOException {
        hub.publish("org/gated", Map.of("config.json", text("{}"), "diffusion_pytorch_model.safetensors", TEXT), true);
        HubException e = assertThrows(HubException.class, () -> pull("org/gated"));
        assertTrue(e.getMessage().contains("org/gated is a gated repository"), e.getMessage());
        assertTrue(e.getMessage().contains("HF_TOKEN"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("hub/models--org--gated/snapshots/" + hub.publish("org/gated",
                Map.of("config.json", text("{}"), "diffusion_pytorch_model.safetensors", TEXT), true).commit()
                + "/config.json")), "nothing linked");
        SnapshotDownload.Result r = downloader(TOKEN).pull(ModelId.of("org/gated"), FileSelection.pipeline(),
                DownloadListener.NONE);
        assertEquals(List.of("config.json", "diffusion_pytorch_model.safetensors"), r.files());
    }

    @Test
    void missingRepositoryRevisionAndFileAreNamed() throws IOException {
        HubException repoMissing = assertThrows(HubException.class, () -> pull("org/nothing-here"));
        assertTrue(repoMissing.getMessage().contains("org/nothing-here: no such repository"), repoMissing.getMessage());
        HubException revisionMissing = assertThrows(HubException.class, () -> pull(REPO + "@v9"));
        assertTrue(revisionMissing.getMessage().contains("has no revision 'v9'"), revisionMissing.getMessage());
        HubClient client = new HubClient(hub.settings(dir.resolve("hub"), null));
        HubException fileMissing = assertThrows(HubException.class, () -> client.metadata(ModelId.of(REPO),
                repo.commit(), "unet/missing.json"));
        assertTrue(fileMissing.getMessage().contains("has no file 'unet/missing.json'"), fileMissing.getMessage());
    }

    @Test
    void transferCutHalfwayIsResumedWithARange() throws IOException {
        hub.cut(UNET, UNET.length / 2, 1);
        List<Long> starts = new ArrayList<>();
        downloader(null).pull(ModelId.of(REPO), FileSelection.pipeline(), new DownloadListener() {
            @Override
            public void started(String file, long size, long from) {
                starts.add(from);
            }
        });
        assertArrayEquals(UNET, Files.readAllBytes(repoFolder().resolve("snapshots").resolve(repo.commit())
                .resolve(UNET_FILE)));
        List<HubStandIn.Request> gets = unetGets();
        assertEquals(2, gets.size());
        assertNull(gets.get(0).headers().getFirst("Range"));
        // The stand-in closes after the half; bytes still in flight when it does may be lost, so the resume starts
        // where the .incomplete file ended: after the first byte and at most at the cut.
        String range = gets.get(1).headers().getFirst("Range");
        assertTrue(range != null && range.matches("bytes=\\d+-"), range);
        long from = Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
        assertTrue(from > 0 && from <= UNET.length / 2, range);
    }

    @Test
    void stalledTransferIsCutAndContinued() throws IOException {
        hub.stall(UNET, UNET.length / 3, 1);
        new SnapshotDownload(hub.settings(dir.resolve("hub"), null), Duration.ofMillis(20), Duration.ofMillis(400))
                .pull(ModelId.of(REPO), FileSelection.pipeline(), DownloadListener.NONE);
        List<HubStandIn.Request> gets = unetGets();
        assertEquals(2, gets.size());
        assertEquals("bytes=" + UNET.length / 3 + "-", gets.get(1).headers().getFirst("Range"));
        assertArrayEquals(UNET, Files.readAllBytes(repoFolder().resolve("snapshots").resolve(repo.commit())
                .resolve(UNET_FILE)));
    }

    @Test
    void interruptedPullContinuesFromItsIncompleteFile() throws IOException {
        hub.cut(UNET, UNET.length / 2, 1000);   // every attempt ends at the half: the pull gives up
        HubException e = assertThrows(HubException.class, () -> pull(REPO));
        assertTrue(e.getMessage().contains("failed at " + UNET.length / 2 + " of " + UNET.length + " bytes"),
                e.getMessage());
        Path incomplete = repoFolder().resolve("blobs/" + HubStandIn.sha256(UNET) + ".incomplete");
        assertEquals(UNET.length / 2, Files.size(incomplete));
        assertFalse(Files.exists(repoFolder().resolve("snapshots").resolve(repo.commit()).resolve(UNET_FILE)));
        hub.heal();
        int before = unetGets().size();
        pull(REPO);
        List<HubStandIn.Request> gets = unetGets();
        assertEquals(before + 1, gets.size());
        assertEquals("bytes=" + UNET.length / 2 + "-", gets.getLast().headers().getFirst("Range"));
        assertArrayEquals(UNET, Files.readAllBytes(repoFolder().resolve("snapshots").resolve(repo.commit())
                .resolve(UNET_FILE)));
        assertFalse(Files.exists(incomplete));
    }

    @Test
    void blobNotMatchingItsSha256IsNeverLinked() throws IOException {
        hub.corrupt(UNET);
        HubException e = assertThrows(HubException.class, () -> pull(REPO));
        assertTrue(e.getMessage().contains(UNET_FILE) && e.getMessage().contains("sha256")
                && e.getMessage().contains(HubStandIn.sha256(UNET)), e.getMessage());
        Path blobs = repoFolder().resolve("blobs");
        assertFalse(Files.exists(blobs.resolve(HubStandIn.sha256(UNET))));
        assertFalse(Files.exists(blobs.resolve(HubStandIn.sha256(UNET) + ".incomplete")));
        assertFalse(Files.exists(repoFolder().resolve("snapshots").resolve(repo.commit()).resolve(UNET_FILE),
                LinkOption()));
    }

    @Test
    void twoPullsAtOnceWriteEachBlobOnce() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        Callable<SnapshotDownload.Result> task = () -> {
            go.await();
            return pull(REPO);
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<SnapshotDownload.Result> a = pool.submit(task);
            Future<SnapshotDownload.Result> b = pool.submit(task);
            go.countDown();
            assertEquals(a.get().files(), b.get().files());
            assertEquals(UNET.length + TEXT.length + sizeOfPlainFiles(a.get()) - 2,
                    a.get().downloaded() + b.get().downloaded(), "every blob came down once");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, hub.cdnGets(UNET));
        assertEquals(1, hub.cdnGets(TEXT));
        assertArrayEquals(UNET, Files.readAllBytes(repoFolder().resolve("snapshots").resolve(repo.commit())
                .resolve(UNET_FILE)));
    }

    @Test
    void offlineModeResolvesFromTheCacheWithoutRequests() throws IOException {
        HubSettings offline = new HubSettings(hub.endpoint(), dir.resolve("hub"), Optional.empty(), true);
        HubException none = assertThrows(HubException.class, () -> new SnapshotDownload(offline)
                .pull(ModelId.of(REPO), FileSelection.pipeline(), DownloadListener.NONE));
        assertTrue(none.getMessage().contains("HF_HUB_OFFLINE"), none.getMessage());
        SnapshotDownload.Result online = pull(REPO);
        int requests = hub.requests().size();
        SnapshotDownload.Result r = new SnapshotDownload(offline).pull(ModelId.of(REPO), FileSelection.pipeline(),
                DownloadListener.NONE);
        assertTrue(r.offline());
        assertEquals(online.commit(), r.commit());
        assertEquals(online.folder(), r.folder());
        assertEquals(online.files(), r.files());
        assertEquals(requests, hub.requests().size(), "no request in offline mode");
    }

    @Test
    void renamedRepositoryIsFollowed() throws IOException {
        hub.rename("old-org/tiny-sd", REPO);
        SnapshotDownload.Result r = pull("old-org/tiny-sd");
        assertEquals(repo.commit(), r.commit());
        assertTrue(Files.isRegularFile(dir.resolve("hub/models--old-org--tiny-sd/snapshots").resolve(repo.commit())
                .resolve(UNET_FILE)), "stored under the id asked for, as huggingface_hub does");
    }

    @Test
    void listingThatLeavesTheSnapshotIsRefused() throws IOException {
        hub.publish("org/evil", Map.of("../../../escape.json", text("{}")), false);
        HubException e = assertThrows(HubException.class, () -> pull("org/evil"));
        assertTrue(e.getMessage().contains("would leave the snapshot folder"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("escape.json")));
    }

    private List<HubStandIn.Request> unetGets() {
        String path = "/blobs/" + HubStandIn.sha256(UNET);
        return hub.requests().stream().filter(q -> q.server().equals("cdn") && q.path().equals(path)).toList();
    }

    private long sizeOfPlainFiles(SnapshotDownload.Result r) {
        return r.files().stream().filter(f -> !f.endsWith(".safetensors")).mapToLong(f -> repo.files().get(f).length)
                .sum();
    }

    private static java.nio.file.LinkOption LinkOption() {
        return java.nio.file.LinkOption.NOFOLLOW_LINKS;
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
