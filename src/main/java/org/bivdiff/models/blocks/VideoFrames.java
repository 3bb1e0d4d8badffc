package org.bivdiff.models.blocks;

import java.util.Arrays;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;

/**
 * Graph helpers for running per-frame layers on videos: frames folded into the batch and back, as
 * einops {@code 'b c f h w -> (b f) c h w'} and its inverse, and per-video inputs repeated per frame
 * ({@code repeat_interleave(F, dim=0)}).
 */
public final class VideoFrames {

    private VideoFrames() {
    }

    /** F of a (B, C, F, H, W) video, as int64 (1). */
    public static Value count(Graph g, Value video) {
        return dims(g, video, 2, 3);
    }

    /** (B, C, F, H, W) -> (B*F, C, H, W), frames of a video consecutive. */
    public static Value fold(Graph g, Value video) {
        Value x = g.transpose(video, 0, 2, 1, 3, 4);                                    // (B, F, C, H, W)
        return g.reshape(x, g.concat(0, g.longs(-1), dims(g, x, 2, 5)));              // (B*F, C, H, W)
    }

    /** (B*F, C, H, W) -> (B, C, F, H, W). */
    public static Value unfold(Graph g, Value x, Value frames) {
        Value video = g.reshape(x, g.concat(0, g.longs(-1), frames, dims(g, x, 1, 4)));  // (B, F, C, H, W)
        return g.transpose(video, 0, 2, 1, 3, 4);                                       // (B, C, F, H, W)
    }

    /**
     * (B, d1, ..., dk) -> (B*F, d1, ..., dk), each row repeated F times in place.
     *
     * @param rank rank of {@code x} (k + 1)
     */
    public static Value repeatPerFrame(Graph g, Value x, Value frames, int rank) {
        long[] ones = new long[rank - 1];
        Arrays.fill(ones, 1);
        Value shape = rank == 1 ? g.concat(0, g.longs(1), frames) : g.concat(0, g.longs(1), frames, g.longs(ones));
        Value expanded = g.node("Expand", List.of(g.unsqueeze(x, 1), shape), List.of());     // (B, F, d1, ...)
        Value rest = rank == 1 ? null : dims(g, x, 1, rank);
        return g.reshape(expanded, rest == null ? g.longs(-1) : g.concat(0, g.longs(-1), rest));
    }

    /** shape(x)[from:to] as int64. */
    public static Value dims(Graph g, Value x, long from, long to) {
        return g.slice(g.shape(x), new long[] {from}, new long[] {to}, new long[] {0});
    }
}
