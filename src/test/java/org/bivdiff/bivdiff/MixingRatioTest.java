package org.bivdiff.bivdiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The mixing ratio is checked where it enters, once, with the message every caller shows. */
class MixingRatioTest {

    @Test
    void ratiosOutsideZeroOneAreRejected() {
        for (double bad : new double[] {-0.1, 1.5, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            var e = assertThrows(IllegalArgumentException.class, () -> new MixingRatio(bad));
            assertEquals("mixing ratio must be in [0, 1] (1 = image model only, 0 = video model only), got " + bad,
                    e.getMessage());
            assertFalse(MixingRatio.isValid(bad), String.valueOf(bad));
        }
    }

    @Test
    void theEndsSelectOneModel() {
        MixingRatio image = new MixingRatio(1);
        assertEquals(MixingRatio.IMAGE_ONLY, image);
        assertTrue(image.usesImage());
        assertFalse(image.usesVideo());
        MixingRatio video = new MixingRatio(0);
        assertFalse(video.usesImage());
        assertTrue(video.usesVideo());
        MixingRatio mixed = new MixingRatio(0.25);
        assertTrue(mixed.usesImage() && mixed.usesVideo());
        assertEquals("0.25", mixed.toString(), "labels and file names spell the value as before");
    }

    @Test
    void requestsTakeTheCheckedValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> Bivdiff.task(Task.CONTROLNET).mixingRatio(1.5));
        assertTrue(e.getMessage().startsWith("mixing ratio must be in [0, 1]"), e.getMessage());
    }
}
