package org.bivdiff.pipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import org.bivdiff.graph.OutOfDeviceMemoryException;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.tensor.Tensor;

/**
 * Bounds the rows of one network call. A pipeline's guidance batch is frames x branches (a video of F frames
 * with classifier-free guidance is 2F rows); {@link #inChunks} cuts it into calls of at most {@code maxBatch}
 * rows. Every layer of the UNet is per sample, so the result does not depend on the cut.
 *
 * <p>With no bound ({@code maxBatch} 0, the default on CUDA) all rows go in one call while the GPU has the
 * memory: a call that runs out of it ({@link OutOfDeviceMemoryException}) is repeated in halves, and later
 * calls start from the size that fitted. A bound the caller chose is kept, and running out of memory with
 * it is an error that says to lower it.
 */
public final class Batching {

    private Batching() {
    }

    /** The plain UNet: no per-row conditioning. */
    public static Guidance.ConditionedModel unet(UNet2DConditionModel unet) {
        return (sample, t, ehs) -> unet.forward(sample, t, ehs);
    }

    /** {@code model}, which has no per-row conditioning, in chunks as {@link #inChunksByRow}. */
    public static Guidance.ConditionedModel inChunks(Guidance.ConditionedModel model, int maxBatch) {
        return inChunksByRow(firstRow -> model, maxBatch);
    }

    /**
     * The model given by {@code fromRow} called on chunks of at most {@code maxBatch} rows (0 = one call),
     * outputs concatenated in row order. {@code fromRow.apply(firstRow)} is the network for a call on rows
     * {@code [firstRow, firstRow + sample.dim(0))} of the guidance batch: per-row conditioning (ControlNet
     * images, adapter features) is sliced with {@code firstRow}.
     */
    public static Guidance.ConditionedModel inChunksByRow(IntFunction<Guidance.ConditionedModel> fromRow,
                                                          int maxBatch) {
        if (maxBatch < 0) {
            throw new IllegalArgumentException("max batch must be >= 0, got " + maxBatch);
        }
        AtomicInteger fits = new AtomicInteger(Integer.MAX_VALUE);     // rows per call known to fit, for 0
        return (sample, t, ehs) -> {
            int n = sample.dim(0);
            if (ehs.dim(0) != n) {
                throw new IllegalArgumentException("sample has " + n + " rows but the text states " + ehs.dim(0));
            }
            if (maxBatch > 0) {
                return chunked(fromRow, sample, t, ehs, maxBatch);
            }
            int rows = Math.min(n, fits.get());
            while (true) {
                try {
                    return chunked(fromRow, sample, t, ehs, rows);
                } catch (OutOfDeviceMemoryException e) {
                    if (rows == 1) {
                        throw e;
                    }
                    rows = (rows + 1) / 2;
                    fits.set(rows);
                }
            }
        };
    }

    private static Tensor chunked(IntFunction<Guidance.ConditionedModel> fromRow, Tensor sample, double t,
                                  Tensor ehs, int rows) {
        int n = sample.dim(0);
        if (n <= rows) {
            return fromRow.apply(0).predict(sample, t, ehs);
        }
        List<Tensor> out = new ArrayList<>();
        for (int from = 0; from < n; from += rows) {
            int to = Math.min(n, from + rows);
            out.add(fromRow.apply(from).predict(sample.slice0(from, to), t, ehs.slice0(from, to)));
        }
        return Tensor.concat0(out);
    }

    /** Rows {@code [from, from + n)} of a per-row conditioning tensor aligned with the guidance batch. */
    static Tensor rows(Tensor x, int from, int n) {
        return from == 0 && n == x.dim(0) ? x : x.slice0(from, from + n);
    }
}
