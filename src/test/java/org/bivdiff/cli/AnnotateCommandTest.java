package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.graph.Engine;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageTensors;
import org.bivdiff.media.VideoReader;
import org.bivdiff.media.VideoWriter;
import org.bivdiff.media.annotators.Canny;
import org.bivdiff.media.annotators.MidasDetector;
import org.bivdiff.models.dpt.DptForDepthEstimation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bivdiff annotate}: on a real clip of BIVDiff's {@code data/} (bear.mp4, the ControlNet canny config's
 * input), frame for frame what BIVDiff's ControlNet code computes from it: frames 0, 4, ..., 28 at 512 x 512
 * ({@code read_video(..., 8, 512, 512, 4)}), {@code (x / 127.5 - 1 + 1) / 2 * 255} truncated, Canny(100, 200), HWC3;
 * depth with the DPT network; and the usage errors.
 */
class AnnotateCommandTest {

    private static final Path MEDIA = Fixtures.root().resolveSibling("media");

    private static List<Image8> channel0(List<Image8> frames) {
        List<Image8> out = new ArrayList<>();
        for (Image8 f : frames) {
            byte[] px = new byte[f.height() * f.width()];
            for (int i = 0; i < px.length; i++) {
                px[i] = f.pixels()[i * f.channels()];
            }
            out.add(new Image8(f.height(), f.width(), 1, px));
        }
        return out;
    }

    private static int run(String... words) throws Exception {
        return AnnotateCommand.run(List.of(words), new PrintStream(new ByteArrayOutputStream()),
                new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false));
    }

    @Test
    void cannyOfARealClipIsBivdiffsConditionFrameForFrame(@TempDir Path dir) throws Exception {
        Path bear = MEDIA.resolve("bear.mp4");
        assertTrue(Files.isRegularFile(bear), "the real clips are expected at " + MEDIA);
        Path out = dir.resolve("canny.gif");
        assertEquals(0, run("--condition", "canny", bear.toString(), "--out", out.toString()));
        List<Image8> written = channel0(VideoReader.readAll(out));
        List<Image8> frames = VideoReader.read(bear, new int[] {0, 4, 8, 12, 16, 20, 24, 28}, 512, 512);
        List<Image8> handedOver = ImageTensors.signedToPilTruncated(ImageTensors.toSigned(frames));
        assertEquals(8, written.size());
        int edgePixels = 0;
        for (int i = 0; i < 8; i++) {
            Image8 expected = Canny.edges(handedOver.get(i), 100, 200);
            assertEquals(expected, written.get(i), "frame " + i);
            for (byte b : expected.pixels()) {
                edgePixels += b != 0 ? 1 : 0;
            }
        }
        assertTrue(edgePixels > 8 * 512 * 512 / 20, "a real clip has edges: " + edgePixels);
    }

    @Test
    void depthOfAClipIsTheDetectorsMapPerFrame(@TempDir Path dir) throws Exception {
        Path clip = dir.resolve("clip.mp4");
        VideoWriter.write(DemoCommand.movingShapes(6, 64, 64), clip, 8);
        Path model = Fixtures.root().resolve("models/tiny-dpt-hybrid");
        Path out = dir.resolve("depth.gif");
        assertEquals(0, run("--condition", "depth", clip.toString(), "--out", out.toString(), "--depth-model",
                model.toString(), "--width", "64", "--height", "64", "--video-length", "3", "--frame-rate", "2"));
        List<Image8> written = VideoReader.readAll(out);
        assertEquals(3, written.size());
        List<Image8> frames = ImageTensors.signedToPilTruncated(ImageTensors.toSigned(
                VideoReader.read(clip, new int[] {0, 2, 4}, 64, 64)));
        try (DptForDepthEstimation dpt = DptForDepthEstimation.load(model, Engine.cpu())) {
            MidasDetector detector = new MidasDetector(dpt);
            for (int i = 0; i < 3; i++) {
                // the detector runs at 512 and the 512 x 512 map is resized to the frame size
                Image8 map = detector.detect(frames.get(i));
                assertEquals(512, map.width());
                Image8 expected = org.bivdiff.media.Resize.resize(map, 64, 64, org.bivdiff.media.Resize.Filter.LANCZOS);
                assertEquals(expected, written.get(i), "frame " + i);
            }
        }
    }

    @Test
    void usageErrorsSayWhatIsMissing(@TempDir Path dir) {
        var noOut = assertThrows(UsageException.class, () -> run("--condition", "canny", "clip.mp4"));
        assertTrue(noOut.getMessage().contains("--out"), noOut.getMessage());
        var kind = assertThrows(UsageException.class, () -> run("--condition", "pose", "clip.mp4", "--out", "x.gif"));
        assertTrue(kind.getMessage().contains("canny or depth"), kind.getMessage());
        var model = assertThrows(UsageException.class, () -> run("--condition", "depth", "clip.mp4", "--out", "x.gif"));
        assertTrue(model.getMessage().contains("--depth-model"), model.getMessage());
        var video = assertThrows(UsageException.class, () -> run("--condition", "canny", "--out", "x.gif"));
        assertTrue(video.getMessage().contains("VIDEO"), video.getMessage());
        var input = assertThrows(UsageException.class, () -> run("--condition", "canny", "clip.mp4", "--out", "x.gif",
                "--condition-input", "wrap"));
        assertTrue(input.getMessage().contains("reference-wrap"), input.getMessage());
        var missing = assertThrows(java.nio.file.NoSuchFileException.class, () -> run("--condition", "canny",
                dir.resolve("none.mp4").toString(), "--out", dir.resolve("x.gif").toString()));
        assertTrue(missing.getMessage().contains("none.mp4"), missing.getMessage());
    }
}
