package org.bivdiff.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image folders, sampling and the errors a bad clip gives before any heavy work. */
class VideoErrorsTest {

    @TempDir
    Path dir;

    @Test
    void tooShortVideoSaysHowManyFramesItHasAndNeeds() throws Exception {
        Path file = dir.resolve("short.mp4");
        VideoWriter.write(SyntheticClips.movingShapes(12, 64, 48), file, 8);
        VideoTooShortException e = assertThrows(VideoTooShortException.class,
                () -> VideoSampler.readVideo(file, 8, 64, 48, 2));
        assertEquals(12, e.frames());
        assertEquals(15, e.needed());
        assertTrue(e.getMessage().contains("short.mp4") && e.getMessage().contains("12 frames")
                && e.getMessage().contains("15"), e.getMessage());
    }

    @Test
    void corruptFileIsReportedAsNotAVideo() throws Exception {
        Path file = dir.resolve("random.mp4");
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        Files.write(file, junk);
        IOException e = assertThrows(IOException.class, () -> VideoSampler.readVideo(file, 4, 64, 48));
        assertTrue(e.getMessage().contains("random.mp4") && e.getMessage().contains("not a video"), e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("nowhere.mp4");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> VideoSampler.readVideo(file, 4, 64, 48));
        assertTrue(e.getMessage().contains("nowhere.mp4"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> ImageFiles.read(dir.resolve("nowhere.png")));
    }

    @Test
    void folderOfPngsIsAClipSortedByName() throws Exception {
        List<Image8> clip = SyntheticClips.movingShapes(6, 64, 48);
        for (int i = 0; i < clip.size(); i++) {
            // written out of order: the reader must sort by name
            ImageFiles.write(clip.get(clip.size() - 1 - i), dir.resolve(String.format("frame_%03d.png", clip.size() - 1 - i)));
        }
        Files.writeString(dir.resolve("notes.txt"), "not an image");

        VideoInfo info = VideoReader.probe(dir);
        assertEquals(6, info.frameCount());
        assertEquals(64, info.width());
        List<Image8> back = VideoReader.readAll(dir);
        assertEquals(clip, back);

        List<Image8> sampled = VideoSampler.sampleFrames(dir, 3, 0, 0, 2);
        assertEquals(List.of(clip.get(0), clip.get(2), clip.get(4)), sampled);
        // default frame rate: max(1, 6 // 3) = 2, the same frames, at [-1, 1]
        Tensor frames = VideoSampler.readVideo(dir, 3, 64, 48);
        assertEquals(ImageTensors.toSigned(sampled), frames);
        assertThrows(VideoTooShortException.class, () -> VideoSampler.readVideo(dir, 4, 64, 48, 2));
    }

    @Test
    void aFrameOfAnotherSizeInAFolderIsAnErrorNamingIt() throws Exception {
        List<Image8> clip = SyntheticClips.movingShapes(4, 64, 48);
        for (int i = 0; i < clip.size(); i++) {
            ImageFiles.write(clip.get(i), dir.resolve(String.format("frame_%03d.png", i)));
        }
        Path odd = dir.resolve("frame_002.png");
        ImageFiles.write(SyntheticClips.movingShapes(1, 60, 48).getFirst(), odd);
        for (var attempt : List.<org.junit.jupiter.api.function.Executable>of(() -> VideoReader.probe(dir),
                () -> VideoSampler.readVideo(dir, 4, 32, 32, 1), () -> VideoReader.readAll(dir))) {
            IOException e = assertThrows(IOException.class, attempt);
            assertTrue(e.getMessage().startsWith(odd + ": this frame is 60x48 but frame_000.png"), e.getMessage());
            assertTrue(e.getMessage().contains("is 64x48"), e.getMessage());
        }
        var frames = VideoReader.read(dir, new int[] {0, 3}, 32, 32);
        assertEquals(2, frames.size(), "frames a read skips are not compared; the probe before it sees them all");
    }

    @Test
    void folderWithoutImagesIsAnError() throws Exception {
        Files.writeString(dir.resolve("readme.txt"), "nothing here");
        IOException e = assertThrows(IOException.class, () -> VideoReader.probe(dir));
        assertTrue(e.getMessage().contains("no images"), e.getMessage());
    }

    @Test
    void sampleIndicesFollowTheReference() throws Exception {
        assertArrayEquals(new int[] {0, 3, 6, 9}, VideoSampler.sampleIndices(dir, 12, 4, 3));
        assertEquals(3, VideoSampler.defaultFrameRate(12, 4));
        assertEquals(1, VideoSampler.defaultFrameRate(3, 4));
        assertArrayEquals(new int[] {0, 2, 4, 6}, VideoSampler.sampleIndices(dir, 7, 4, 2));
        assertThrows(VideoTooShortException.class, () -> VideoSampler.sampleIndices(dir, 6, 4, 2));
        assertThrows(IllegalArgumentException.class, () -> VideoSampler.sampleIndices(dir, 6, 4, 0));
    }
}
