package org.bivdiff.bivdiff;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bivdiff.io.MemoryStats;
import org.junit.jupiter.api.Test;

/** When a model may load ahead, on a background thread, beside a running stage. */
class MemoryEstimateTest {

    private static final long GB = 1_000_000_000L;
    private static final MemoryEstimate.Machine MACHINE = new MemoryEstimate.Machine(24 * GB, 18 * GB);
    /** ZeroScope's UNet3D in float32. */
    private static final long VIDEO_UNET = 5_645_118_400L;

    @Test
    void theVideoUnetLoadsBesideASmallInversion() {
        // 4 frames of 32 x 32 latents through the inflated SD UNet (first width 320), 4 GB resident
        long activations = MemoryEstimate.imageUnet(4, 32, 32, 320);
        assertTrue(MemoryEstimate.fitsBeside(MACHINE, 4 * GB, VIDEO_UNET, activations));
    }

    @Test
    void notBesideThePaperSizedOneWhichWouldPassTheBudget() {
        // 8 frames of 64 x 64 latents: 5.4 GB of activations
        long activations = MemoryEstimate.imageUnet(8, 64, 64, 320);
        assertFalse(MemoryEstimate.fitsBeside(MACHINE, 4 * GB, VIDEO_UNET, activations));
        assertTrue(MemoryEstimate.fitsBeside(MACHINE, 4 * GB, VIDEO_UNET, 0));
    }

    @Test
    void notWhenTheMachineLacksTwiceTheWeights() {
        var tight = new MemoryEstimate.Machine(16 * GB, 11 * GB);
        assertFalse(MemoryEstimate.fitsBeside(tight, 1 * GB, VIDEO_UNET, 0));
        assertTrue(MemoryEstimate.fitsBeside(tight, 1 * GB, 3 * GB, 0));
    }

    @Test
    void thisProcessResidentSizeIsRead() {
        long resident = MemoryStats.rss();
        assertTrue(resident > 10_000_000L && resident < 64 * GB, "resident " + resident);
    }
}
