package org.bivdiff.io.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code bivdiff models pull}: a repository's files at a revision, downloaded into the cache as
 * {@code huggingface_hub}'s {@code snapshot_download} lays them out (see {@link HubCache}), so that
 * Python tools find them and bivdiff finds theirs. Files already in the snapshot are not fetched again,
 * a blob another revision already holds is only linked, and each blob is written under its lock, so
 * concurrent pulls of one repository share the work. With {@code HF_HUB_OFFLINE} set, the revision is
 * resolved from the cache without any request.
 */
public final class SnapshotDownload {

    /**
     * A finished pull.
     *
     * @param id         what was pulled
     * @param commit     the commit the revision resolved to
     * @param folder     the snapshot folder (with the id's subfolder)
     * @param files      the files of the selection, relative to the snapshot folder
     * @param bytes      their total size
     * @param downloaded bytes received in this pull
     * @param offline    resolved from the cache alone
     */
    public record Result(ModelId id, String commit, Path folder, List<String> files, long bytes, long downloaded,
                         boolean offline) {
    }

    private static final int RETRIES = 5;

    private final HubSettings settings;
    private final HubCache cache;
    private final HubClient client;
    private final BlobDownload blobs;

    /** Pulls with huggingface_hub's pacing: a second between attempts, a transfer cut after 10 s of silence. */
    public SnapshotDownload(HubSettings settings) {
        this(settings, Duration.ofSeconds(1), Duration.ofSeconds(10));
    }

    /**
     * @param retryPause   the wait before another attempt at a failed transfer
     * @param stallTimeout a transfer receiving nothing for this long is cut and continued
     */
    public SnapshotDownload(HubSettings settings, Duration retryPause, Duration stallTimeout) {
        this.settings = settings;
        this.cache = new HubCache(settings.cache());
        this.client = new HubClient(settings);
        this.blobs = new BlobDownload(client, RETRIES, retryPause, stallTimeout);
    }

    /** The cache this pulls into. */
    public HubCache cache() {
        return cache;
    }

    /**
     * Pulls the files of {@code id} that {@code selection} takes (only those under its subfolder, if it
     * names one).
     *
     * @throws HubException naming the repository, revision or file that failed, and why
     */
    public Result pull(ModelId id, FileSelection selection, DownloadListener listener) throws IOException {
        if (settings.offline()) {
            return fromCache(id);
        }
        // 1. The commit the revision is at, and the files to take
        HubClient.RepoInfo info = client.repoInfo(id);
        String prefix = id.subfolder().isEmpty() ? "" : id.subfolder() + "/";
        List<String> files = selection.select(info.files().stream().filter(f -> f.startsWith(prefix)).toList());
        if (files.isEmpty()) {
            throw nothingSelected(id, selection, info);
        }
        // 2. refs/<revision> -> commit, written before the files as huggingface_hub does
        cache.tag();
        cache.writeRef(id, info.commit());
        Path snapshot = cache.snapshot(id, info.commit());
        long bytes = 0;
        long downloaded = 0;
        // 3. Each file: already linked, a known blob to link, or a blob to download, check, then link
        for (String file : files) {
            Path pointer = snapshot.resolve(file);
            if (Files.exists(pointer)) {
                long size = Files.size(pointer);
                bytes += size;
                listener.finished(file, size, DownloadListener.Outcome.CACHED);
                continue;
            }
            HubClient.FileMetadata meta = client.metadata(id, info.commit(), file);
            if (!meta.commit().equals(info.commit())) {
                throw new HubException(id.repoAtRevision() + ": " + file + ": the Hub resolved it at commit "
                        + meta.commit() + ", the repository at " + info.commit());
            }
            Path blob = cache.blob(id, meta.etag());
            DownloadListener.Outcome outcome = DownloadListener.Outcome.LINKED;
            if (!Files.exists(blob)) {
                try (BlobLock lock = BlobLock.acquire(cache.lock(id, meta.etag()))) {
                    if (!Files.exists(blob)) {   // a concurrent pull may have written it while this one waited
                        Path incomplete = blob.resolveSibling(meta.etag() + ".incomplete");
                        long before = Files.exists(incomplete) ? Files.size(incomplete) : 0;
                        blobs.fetch(id, file, meta, incomplete, listener);
                        HubCache.moveAtomically(incomplete, blob);
                        downloaded += meta.size() - before;
                        outcome = DownloadListener.Outcome.DOWNLOADED;
                    }
                }
            }
            cache.link(pointer, blob);
            bytes += meta.size();
            listener.finished(file, meta.size(), outcome);
        }
        Path folder = prefix.isEmpty() ? snapshot : snapshot.resolve(id.subfolder());
        return new Result(id, info.commit(), folder, files, bytes, downloaded, false);
    }

    /** HF_HUB_OFFLINE: what the cache holds for the revision, or an error saying it holds nothing. */
    private Result fromCache(ModelId id) throws IOException {
        Path folder = cache.find(id).orElseThrow(() -> new HubException("HF_HUB_OFFLINE is set and the cache "
                + cache.root() + " holds no snapshot of " + id + "; unset HF_HUB_OFFLINE to download it"));
        String commit = cache.commit(id).orElseThrow();
        List<String> files;
        try (Stream<Path> s = Files.walk(folder)) {
            files = s.filter(Files::isRegularFile).map(p -> folder.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        }
        long bytes = 0;
        for (String f : files) {
            bytes += Files.size(folder.resolve(f));
        }
        return new Result(id, commit, folder, files, bytes, 0, true);
    }

    private static HubException nothingSelected(ModelId id, FileSelection selection, HubClient.RepoInfo info) {
        List<String> some = info.files().stream().limit(12).toList();
        String listing = some.isEmpty() ? "it holds no files" : "it holds " + info.files().size() + " files: "
                + String.join(", ", some) + (info.files().size() > some.size() ? ", ..." : "");
        return new HubException(id + ": " + (selection.include().isEmpty()
                ? "no diffusers configs or weights to take; choose files with --include GLOB"
                : "no file matches" + selection.options()) + " (" + listing + ")");
    }
}
