package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.media.ImageFiles;
import org.bivdiff.media.VideoReader;
import org.bivdiff.media.VideoTooShortException;
import org.bivdiff.media.VideoWriter;
import org.bivdiff.pipelines.ProgressListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How many frames a run takes from its clip, and the rate its videos are written at. */
class VideoJobTest {

    @TempDir
    static Path dir;
    private static Path clip;

    @BeforeAll
    static void clip() throws Exception {
        clip = dir.resolve("clip.mp4");
        VideoWriter.write(DemoCommand.movingShapes(20, 32, 32), clip, 12);
    }

    private static VideoJob.Prepared prepare(String... settings) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "task: controlnet\nvideo: " + clip + "\nwidth: 32\nheight: 32\n");
        return VideoJob.prepare(RunConfigReader.read(file, List.of(settings), null), null, ProgressListener.NONE);
    }

    @Test
    void allTakesEveryFrameTheStepReachesAndPlaysAtTheSourcesSpeed() throws Exception {
        VideoJob.Prepared every = prepare("video_length=all", "frame_rate=1");
        assertEquals(20, every.source().dim(0));
        assertEquals(20, every.condition().dim(0), "the condition has as many frames");
        assertEquals(12, every.fps(), 1e-9);
        VideoJob.Prepared spread = prepare("video_length=all", "frame_rate=0");
        assertEquals(20, spread.source().dim(0), "spread over the clip, all is every frame");
        VideoJob.Prepared everyThird = prepare("video_length=all", "frame_rate=3");
        assertEquals(7, everyThird.source().dim(0), "frames 0, 3, ..., 18");
        assertEquals(4, everyThird.fps(), 1e-9, "one frame in three of a 12 fps clip");
    }

    @Test
    void fpsFromTheSourceUnlessGiven() throws Exception {
        assertEquals(3, prepare("video_length=5", "frame_rate=4").fps(), 1e-9);
        assertEquals(6, prepare("video_length=8", "frame_rate=0").fps(), 1e-9, "spread: 20 // 8 = a step of 2");
        assertEquals(24, prepare("video_length=5", "frame_rate=4", "fps=24").fps(), 1e-9);
    }

    @Test
    void annotateSamplesAsARunDoes(@TempDir Path out) throws Exception {
        Path video = out.resolve("canny.mp4");
        assertEquals(0, AnnotateCommand.run(List.of("--condition", "canny", clip.toString(), "--out", video.toString(),
                "--video-length", "all", "--frame-rate", "2", "--width", "32", "--height", "32"),
                new PrintStream(new ByteArrayOutputStream()), new ProgressBar(new PrintStream(
                        new ByteArrayOutputStream()), false)));
        var info = VideoReader.probe(video);
        assertEquals(10, info.frameCount(), "frames 0, 2, ..., 18");
        assertEquals(6, info.fps(), 1e-6, "one frame in two of a 12 fps clip");
    }

    @Test
    void aClipTooShortForTheLengthIsNamed() {
        var e = assertThrows(VideoTooShortException.class, () -> prepare("video_length=30", "frame_rate=1"));
        assertTrue(e.getMessage().contains("clip.mp4") && e.getMessage().contains("20"), e.getMessage());
    }

    @Test
    void frameFoldersHaveNoRateAndPlayAtTheReferences() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("frames"));
        List<org.bivdiff.media.Image8> images = DemoCommand.movingShapes(3, 32, 32);
        for (int i = 0; i < images.size(); i++) {
            ImageFiles.write(images.get(i), folder.resolve(String.format("%03d.png", i)));
        }
        Path file = dir.resolve("folder.yaml");
        Files.writeString(file, "task: controlnet\nvideo: " + folder + "\nwidth: 32\nheight: 32\nvideo_length: all\n"
                + "frame_rate: 1\n");
        VideoJob.Prepared p = VideoJob.prepare(RunConfigReader.read(file, List.of(), null), null,
                ProgressListener.NONE);
        assertEquals(3, p.source().dim(0));
        assertEquals(VideoJob.REFERENCE_FPS, p.fps());
    }
}
