package org.bivdiff.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Synthetic clips written as MP4 and GIF and read back through FFmpeg. */
class VideoRoundTripTest {

    private static final int FRAMES = 12;
    private static final int W = 64;
    private static final int H = 48;

    @TempDir
    Path dir;

    @Test
    void mp4RoundTripKeepsCountSizeAndColours() throws Exception {
        List<Image8> clip = SyntheticClips.movingShapes(FRAMES, W, H);
        Path file = dir.resolve("clip.mp4");
        VideoWriter.write(clip, file, 8);
        assertTrue(Files.size(file) > 0);
        assertTrue(VideoWriter.h264Encoder().contains("264"), "H.264 encoder expected, got " + VideoWriter.h264Encoder());

        VideoInfo info = VideoReader.probe(file);
        assertEquals(FRAMES, info.frameCount());
        assertEquals(W, info.width());
        assertEquals(H, info.height());
        assertEquals(8.0, info.fps(), 1e-6);

        List<Image8> back = VideoReader.readAll(file);
        assertEquals(FRAMES, back.size());
        for (int t = 0; t < FRAMES; t++) {
            assertEquals(W, back.get(t).width());
            assertEquals(H, back.get(t).height());
            double mae = SyntheticClips.meanAbsError(clip.get(t), back.get(t));
            assertTrue(mae < 10, "frame " + t + ": mean abs error " + mae + " / 255");
        }
    }

    @Test
    void gifRoundTripKeepsCountSizeAndColours() throws Exception {
        List<Image8> clip = SyntheticClips.movingShapes(FRAMES, W, H);
        Path file = dir.resolve("clip.gif");
        VideoWriter.write(clip, file, 8);

        VideoInfo info = VideoReader.probe(file);
        assertEquals(FRAMES, info.frameCount());
        List<Image8> back = VideoReader.readAll(file);
        assertEquals(FRAMES, back.size());
        for (int t = 0; t < FRAMES; t++) {
            assertEquals(H, back.get(t).height());
            double mae = SyntheticClips.meanAbsError(clip.get(t), back.get(t));
            assertTrue(mae < 2, "frame " + t + ": mean abs error " + mae + " / 255 (3 flat colours fit any palette)");
        }
    }

    @Test
    void readVideoSamplesEveryOtherFrameResizedToSigned() throws Exception {
        List<Image8> clip = SyntheticClips.movingShapes(FRAMES, W, H);
        Path file = dir.resolve("clip.mp4");
        VideoWriter.write(clip, file, 8);

        Tensor frames = VideoSampler.readVideo(file, 4, 32, 24, 2);
        assertEquals(List.of(4, 3, 24, 32), List.of(frames.dim(0), frames.dim(1), frames.dim(2), frames.dim(3)));
        for (float v : frames.data()) {
            assertTrue(v >= -1f && v <= 1f, "value out of [-1, 1]: " + v);
        }
        // frame i of the sample is frame 2i of the clip: the red square is at x = 2 + 6i .. 18 + 6i (full size)
        List<Image8> sampled = VideoSampler.sampleFrames(file, 4, 0, 0, 2);
        for (int i = 0; i < 4; i++) {
            double mae = SyntheticClips.meanAbsError(clip.get(2 * i), sampled.get(i));
            assertTrue(mae < 10, "sample " + i + " is not clip frame " + 2 * i + ": mean abs error " + mae);
        }
    }

    @Test
    void encodersArePreferredH264ThenMpeg4() {
        List<String> names = Mp4Writer.candidates();
        assertEquals("mpeg4", names.getLast());
        assertTrue(names.getFirst().contains("264"), "an H.264 encoder first: " + names);
    }
}
