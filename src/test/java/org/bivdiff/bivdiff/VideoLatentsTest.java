package org.bivdiff.bivdiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Layout changes between frames (B*F, C, H, W) and videos (B, C, F, H, W). */
class VideoLatentsTest {

    @Test
    void framesBecomeTheThirdAxisAndBack() {
        int b = 2;
        int f = 3;
        int c = 2;
        float[] d = new float[b * f * c * 2];
        for (int i = 0; i < d.length; i++) {
            d[i] = i;
        }
        Tensor frames = Tensor.of(d, b * f, c, 1, 2);
        Tensor video = VideoLatents.toVideo(frames, f);
        assertArrayEquals(new int[] {b, c, f, 1, 2}, video.shape());
        // video[1, 1, 2, 0, 1] = frames[1 * 3 + 2, 1, 0, 1]
        int videoIndex = (((1 * c + 1) * f + 2) * 1 + 0) * 2 + 1;
        int frameIndex = ((5 * c + 1) * 1 + 0) * 2 + 1;
        assertEquals(d[frameIndex], video.data()[videoIndex]);
        // video[0, 1, 0, 0, 0] = frames[0, 1, 0, 0]: flat 6 in the video, 2 in the frames
        assertEquals(2f, video.data()[6]);
        assertArrayEquals(d, VideoLatents.toFrames(video).data());
    }
}
