package org.bivdiff.io.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Turns what a user wrote where a model folder is expected into the folder: an existing path (relative
 * to a base folder) is itself; otherwise a model id ({@link ModelId}) is its snapshot folder in the
 * Hugging Face cache, found without any request. A model missing from the cache is an error that gives
 * the exact {@code bin/bivdiff models pull} line to run, or, for a locator made with
 * {@link #downloading}, is pulled first (configs, tokenizer and weights, as {@link FileSelection#pipeline}).
 * What is neither an existing path nor an id is returned as a path, for the caller to report missing.
 */
public final class ModelLocator {

    /** A model id that the cache does not hold; the message says how to get it. */
    public static final class NotCachedException extends HubException {

        private static final long serialVersionUID = 1L;

        NotCachedException(String message) {
            super(message);
        }
    }

    private final HubCache cache;
    private final SnapshotDownload download;
    private final DownloadListener listener;

    private ModelLocator(HubCache cache, SnapshotDownload download, DownloadListener listener) {
        this.cache = cache;
        this.download = download;
        this.listener = listener;
    }

    /** Resolves ids from the cache alone. */
    public static ModelLocator cacheOnly(HubSettings settings) {
        return new ModelLocator(new HubCache(settings.cache()), null, DownloadListener.NONE);
    }

    /** Resolves ids from the cache, pulling those it does not hold. */
    public static ModelLocator downloading(SnapshotDownload download, DownloadListener listener) {
        return new ModelLocator(download.cache(), download, listener);
    }

    /**
     * The folder (or file) {@code spec} names.
     *
     * @param base the folder relative paths are relative to
     * @throws NotCachedException if {@code spec} is a model id the cache does not hold and this locator
     *                            does not download
     * @throws HubException       if pulling it fails
     */
    public Path locate(String spec, Path base) throws IOException {
        Path path = base.resolve(spec).normalize();
        Optional<ModelId> id = ModelId.parse(spec);
        if (Files.exists(path) || id.isEmpty()) {
            return path;
        }
        Optional<Path> cached = cache.find(id.get());
        if (cached.isPresent()) {
            return cached.get();
        }
        if (download == null) {
            throw new NotCachedException("no folder " + path + ", and the Hugging Face cache " + cache.root()
                    + " does not hold the model " + id.get() + "; download it with: " + pullCommand(id.get())
                    + " (or add --download)");
        }
        SnapshotDownload.Result pulled = download.pull(id.get(), FileSelection.pipeline(), listener);
        return cache.find(id.get()).orElseThrow(() -> new HubException(id.get() + ": pulled into "
                + pulled.folder() + " but it has no folder '" + id.get().subfolder() + "'"));
    }

    /** The command that downloads {@code id}. */
    public static String pullCommand(ModelId id) {
        return "bin/bivdiff models pull " + id;
    }
}
