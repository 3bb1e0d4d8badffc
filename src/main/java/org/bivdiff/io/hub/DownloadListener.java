package org.bivdiff.io.hub;

/** Follows a pull file by file: what is fetched, how far it got, and how each file ended. */
public interface DownloadListener {

    /** How a file of a pull ended. */
    enum Outcome {
        /** Its bytes were downloaded (or the download continued) and checked. */
        DOWNLOADED,
        /** The snapshot already had it. */
        CACHED,
        /** Another revision or repository file had the same blob: only the link was made. */
        LINKED
    }

    /** Ignores every event. */
    DownloadListener NONE = new DownloadListener() { };

    /** A download of {@code file} ({@code size} bytes) starts, continuing from {@code from} bytes. */
    default void started(String file, long size, long from) {
    }

    /** {@code done} of {@code size} bytes of {@code file} are on disk. */
    default void progress(String file, long done, long size) {
    }

    /** {@code file} is in the snapshot. */
    default void finished(String file, long size, Outcome outcome) {
    }
}
