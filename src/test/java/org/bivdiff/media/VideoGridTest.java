package org.bivdiff.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Side-by-side grids of clips. */
class VideoGridTest {

    @TempDir
    Path dir;

    @Test
    void rowPlacesClipsLeftToRightWithPadding() {
        List<Image8> a = SyntheticClips.movingShapes(4, 64, 48);
        List<Image8> b = SyntheticClips.movingShapes(4, 64, 48).reversed();
        List<Image8> grid = VideoGrid.row().add(a).add(b).frames();
        assertEquals(4, grid.size());
        Image8 f = grid.get(1);
        assertEquals(64 * 2 + 2, f.width());
        assertEquals(48, f.height());
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                assertEquals(a.get(1).get(y, x, 0), f.get(y, x, 0));
                assertEquals(b.get(1).get(y, x, 2), f.get(y, x + 66, 2));
            }
            assertEquals(0, f.get(y, 64, 1)); // padding
        }
    }

    /** A clip of {@code frames} flat grey frames whose grey level is 10 times the frame index. */
    private static List<Image8> numbered(int frames) {
        List<Image8> out = new java.util.ArrayList<>();
        for (int t = 0; t < frames; t++) {
            byte[] px = new byte[16 * 20 * 3];
            java.util.Arrays.fill(px, (byte) (10 * t));
            out.add(new Image8(16, 20, 3, px));
        }
        return out;
    }

    @Test
    void aFilmstripSamplesEveryClipEvenlyFromFirstToLastFrame() {
        Image8 strip = VideoGrid.row().add(numbered(20)).add(numbered(20)).filmstrip(5);
        int cellH = 16 + 14;                                                   // a tile under its frame-number label
        assertEquals(5 * 20 + 4 * 2, strip.width());
        assertEquals(2 * cellH + 2, strip.height());
        int[] frames = {0, 4, 9, 14, 19};                                      // i * (20 - 1) / (5 - 1)
        for (int row = 0; row < 2; row++) {
            for (int i = 0; i < frames.length; i++) {
                assertEquals(10 * frames[i], strip.get(row * (cellH + 2) + 14 + 8, i * 22 + 10, 0), "tile " + i);
            }
        }
        assertEquals(3 * 20 + 2 * 2, VideoGrid.row().add(numbered(3)).filmstrip(8).width(), "all of a short clip");
        assertThrows(IllegalArgumentException.class, () -> VideoGrid.row().add(numbered(3)).filmstrip(0));
        assertThrows(IllegalArgumentException.class, () -> VideoGrid.row().add(numbered(3)).add(numbered(4))
                .filmstrip(2));
    }

    @Test
    void labelledColumnResizesTilesAndRepeatsStills() throws Exception {
        List<Image8> source = SyntheticClips.movingShapes(3, 64, 48);
        Image8 still = Image8.blank(24, 32, 1);
        List<Image8> grid = VideoGrid.column().add("source", source).add("canny", List.of(still)).frames();
        assertEquals(3, grid.size());
        Image8 f = grid.getFirst();
        assertEquals(64, f.width());
        assertEquals(2 * (48 + 14) + 2, f.height());
        int lit = 0;
        for (int y = 0; y < 14; y++) {
            for (int x = 0; x < 64; x++) {
                lit += f.get(y, x, 0) > 128 ? 1 : 0;
            }
        }
        assertTrue(lit > 5, "the label strip should hold text, lit pixels: " + lit);
        assertEquals(source.getFirst().get(10, 10, 0), f.get(14 + 10, 10, 0));

        Path gif = dir.resolve("grid.gif");
        VideoGrid.column().add("source", source).add("canny", List.of(still)).write(gif, 8);
        assertEquals(3, VideoReader.probe(gif).frameCount());
    }

    @Test
    void clipsOfDifferentLengthsAreRejected() {
        VideoGrid g = VideoGrid.row().add("a", SyntheticClips.movingShapes(3, 64, 48))
                .add("b", SyntheticClips.movingShapes(4, 64, 48));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, g::frames);
        assertTrue(e.getMessage().contains("'b' has 4 frames"), e.getMessage());
    }

    @Test
    void oddSizedMp4IsPaddedToEven() throws Exception {
        Path mp4 = dir.resolve("odd.mp4");
        VideoWriter.write(SyntheticClips.movingShapes(3, 63, 47), mp4, 8);
        VideoInfo info = VideoReader.probe(mp4);
        assertEquals(64, info.width());
        assertEquals(48, info.height());
        assertEquals(3, info.frameCount());
    }
}
