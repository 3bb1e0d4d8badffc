package org.bivdiff.media;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A side-by-side comparison clip: several clips of one scene (source, condition, image-model frames,
 * result) tiled frame by frame in one row or one column, each optionally labelled, written as GIF or MP4.
 *
 * <pre>{@code
 * VideoGrid.row()
 *         .add("source", sourceFrames)
 *         .add("canny", conditionFrames)
 *         .add("BIVDiff", resultFrames)
 *         .write(Path.of("out/compare.mp4"), 8);
 * }</pre>
 *
 * Every tile has the size of the first clip's frames (other clips are resized with {@link Resize#bilinear});
 * all clips have the same number of frames, except that a one-frame clip (a still) is repeated. Tiles are
 * separated by {@code padding} black pixels; a label is drawn in white on a black strip above its tile.
 */
public final class VideoGrid {

    /** Which way the clips are laid out. */
    public enum Direction {
        /** Clips left to right. */
        ROW,
        /** Clips top to bottom. */
        COLUMN
    }

    private record Clip(String label, List<Image8> frames) {
    }

    private static final int LABEL_HEIGHT = 14;

    private final Direction direction;
    private final int padding;
    private final List<Clip> clips = new ArrayList<>();

    private VideoGrid(Direction direction, int padding) {
        if (padding < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + padding);
        }
        this.direction = direction;
        this.padding = padding;
    }

    /** Clips left to right, 2 pixels apart. */
    public static VideoGrid row() {
        return new VideoGrid(Direction.ROW, 2);
    }

    /** Clips top to bottom, 2 pixels apart. */
    public static VideoGrid column() {
        return new VideoGrid(Direction.COLUMN, 2);
    }

    /** Clips laid out along {@code direction}, {@code padding} pixels apart. */
    public static VideoGrid of(Direction direction, int padding) {
        return new VideoGrid(direction, padding);
    }

    /** Adds a clip with a label ({@code null} or empty: none). */
    public VideoGrid add(String label, List<Image8> frames) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("clip " + (label == null ? clips.size() : "'" + label + "'") + " has no frames");
        }
        clips.add(new Clip(label == null ? "" : label, List.copyOf(frames)));
        return this;
    }

    /** Adds a clip without a label. */
    public VideoGrid add(List<Image8> frames) {
        return add("", frames);
    }

    /** The tiled frames, {@code (H', W', 3)} each. */
    public List<Image8> frames() {
        if (clips.isEmpty()) {
            throw new IllegalStateException("the grid has no clips");
        }
        Image8 first = clips.getFirst().frames().getFirst();
        int tileW = first.width();
        int tileH = first.height();
        int count = frameCount();
        boolean labelled = clips.stream().anyMatch(c -> !c.label().isEmpty());
        int cellH = tileH + (labelled ? LABEL_HEIGHT : 0);
        int n = clips.size();
        int outW = direction == Direction.ROW ? n * tileW + (n - 1) * padding : tileW;
        int outH = direction == Direction.ROW ? cellH : n * cellH + (n - 1) * padding;
        BufferedImage background = labelled ? labels(outW, outH, tileW, cellH) : null;
        Image8 base = background == null ? Image8.blank(outH, outW, 3) : ImageFiles.fromBufferedImage(background);
        List<Image8> out = new ArrayList<>(count);
        for (int t = 0; t < count; t++) {
            byte[] px = base.pixels().clone();
            for (int i = 0; i < n; i++) {
                List<Image8> frames = clips.get(i).frames();
                Image8 tile = frames.get(frames.size() == 1 ? 0 : t).toRgb();
                if (tile.width() != tileW || tile.height() != tileH) {
                    tile = Resize.bilinear(tile, tileW, tileH);
                }
                int x0 = direction == Direction.ROW ? i * (tileW + padding) : 0;
                int y0 = (direction == Direction.ROW ? 0 : i * (cellH + padding)) + (labelled ? LABEL_HEIGHT : 0);
                for (int y = 0; y < tileH; y++) {
                    System.arraycopy(tile.pixels(), y * tileW * 3, px, ((y0 + y) * outW + x0) * 3, tileW * 3);
                }
            }
            out.add(new Image8(outH, outW, 3, px));
        }
        return out;
    }

    /**
     * A still sample of the grid, for clips too long to tile frame by frame: one strip per clip, top to bottom, each
     * of {@code samples} frames taken evenly from the first to the last (all of them when there are fewer), left to
     * right, every tile labelled with its frame number (1-based; after the clip's label, if it has one).
     */
    public Image8 filmstrip(int samples) {
        if (samples < 1) {
            throw new IllegalArgumentException("a filmstrip needs at least one frame per clip, got " + samples);
        }
        if (clips.isEmpty()) {
            throw new IllegalStateException("the grid has no clips");
        }
        int count = frameCount();
        int n = Math.min(samples, count);
        VideoGrid strips = new VideoGrid(Direction.COLUMN, padding);
        for (Clip c : clips) {
            VideoGrid strip = new VideoGrid(Direction.ROW, padding);
            for (int i = 0; i < n; i++) {
                int t = n == 1 ? 0 : (int) ((long) i * (count - 1) / (n - 1));
                Image8 frame = c.frames().get(c.frames().size() == 1 ? 0 : t);
                strip.add((c.label().isEmpty() ? "" : c.label() + " ") + "#" + (t + 1), List.of(frame));
            }
            strips.add(strip.frames());
        }
        return strips.frames().getFirst();
    }

    /** Writes the grid as {@code .gif} or {@code .mp4} (see {@link VideoWriter#write(List, Path, double)}). */
    public void write(Path file, double fps) throws IOException {
        VideoWriter.write(frames(), file, fps);
    }

    private int frameCount() {
        int count = 1;
        for (Clip c : clips) {
            int f = c.frames().size();
            if (f == 1) {
                continue;
            }
            if (count != 1 && f != count) {
                throw new IllegalArgumentException("clips differ in length: '" + c.label() + "' has " + f
                        + " frames, an earlier clip has " + count);
            }
            count = f;
        }
        return count;
    }

    /** The black background with every label drawn, centred above its tile. */
    private BufferedImage labels(int outW, int outH, int tileW, int cellH) {
        BufferedImage img = new BufferedImage(outW, outH, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.setColor(Color.WHITE);
            FontMetrics fm = g.getFontMetrics();
            for (int i = 0; i < clips.size(); i++) {
                String label = clips.get(i).label();
                int x0 = direction == Direction.ROW ? i * (tileW + padding) : 0;
                int y0 = direction == Direction.ROW ? 0 : i * (cellH + padding);
                int x = x0 + Math.max(0, (tileW - fm.stringWidth(label)) / 2);
                g.setClip(x0, y0, tileW, LABEL_HEIGHT);
                g.drawString(label, x, y0 + LABEL_HEIGHT - 3);
            }
        } catch (RuntimeException | Error e) {
            throw new IllegalStateException("cannot draw grid labels (no usable font? install fontconfig and a "
                    + "font such as DejaVu, or leave the labels out): " + e, e);
        } finally {
            g.dispose();
        }
        return img;
    }
}
