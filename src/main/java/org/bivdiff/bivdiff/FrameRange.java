package org.bivdiff.bivdiff;

import java.util.ArrayList;
import java.util.List;

/**
 * Frames {@code [from, to)} of a video: a temporal window of the video model, or a batch of the frame stage.
 */
public record FrameRange(int from, int to) {

    public FrameRange {
        if (from < 0 || to <= from) {
            throw new IllegalArgumentException("frame range [" + from + ", " + to + ") must be non-empty and start at 0 "
                    + "or later");
        }
    }

    /** How many frames the range holds. */
    public int length() {
        return to - from;
    }

    /** Whether this range is all of a video of {@code frames} frames. */
    public boolean isWhole(int frames) {
        return from == 0 && to == frames;
    }

    /** {@code frames} frames cut into consecutive ranges of {@code size} (the last may be shorter), in order. */
    public static List<FrameRange> batches(int frames, int size) {
        if (frames < 1 || size < 1) {
            throw new IllegalArgumentException("cannot cut " + frames + " frames into batches of " + size);
        }
        List<FrameRange> out = new ArrayList<>();
        for (int from = 0; from < frames; from += size) {
            out.add(new FrameRange(from, (int) Math.min(frames, (long) from + size)));
        }
        return out;
    }

    @Override
    public String toString() {
        return "[" + from + ", " + to + ")";
    }
}
