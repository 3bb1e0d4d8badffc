package org.bivdiff.media;

import java.io.IOException;
import java.nio.file.Path;

/** A clip has fewer frames than a sampling needs. */
public final class VideoTooShortException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int frames;
    private final int needed;

    public VideoTooShortException(Path source, int frames, int needed, String why) {
        super(source + " has " + frames + " frame" + (frames == 1 ? "" : "s") + " but " + needed + " are needed ("
                + why + ")");
        this.frames = frames;
        this.needed = needed;
    }

    /** Frames the clip has. */
    public int frames() {
        return frames;
    }

    /** Frames the sampling needs. */
    public int needed() {
        return needed;
    }
}
