package org.bivdiff.models.blocks;

import org.bivdiff.graph.Value;

/**
 * Which elements a GroupNorm's statistics span when video frames are folded into the batch
 * ({@code (B*F, C, H, W)}): each image on its own, or all frames of a video together.
 */
public sealed interface NormScope {

    /** Statistics per image (per sample of the batch), as torch's GroupNorm on 4-D input. */
    NormScope PER_SAMPLE = new PerSample();

    /**
     * Statistics over (channels-in-group, frames, H, W) of each video, as torch's GroupNorm on a 5-D
     * {@code (B, C, F, H, W)} tensor.
     *
     * @param frames int64 (1): the number of frames folded into the batch
     */
    static NormScope acrossFrames(Value frames) {
        return new AcrossFrames(frames);
    }

    /** Per image. */
    record PerSample() implements NormScope {
    }

    /** Across the frames of each video; {@code frames} is an int64 (1) value of the graph. */
    record AcrossFrames(Value frames) implements NormScope {
    }
}
