package org.bivdiff.media;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.bivdiff.tensor.Tensor;

/**
 * Writes clips as animated GIF (looping forever) or MP4 (H.264, yuv420p; see {@link #h264Encoder()}),
 * chosen by the file extension. Frames must all have the same size; grayscale frames are written as RGB.
 */
public final class VideoWriter {

    private VideoWriter() {
    }

    /**
     * Writes {@code frames} to {@code file} ({@code .gif} or {@code .mp4}) at {@code fps} frames per second,
     * creating parent folders and replacing an existing file.
     */
    public static void write(List<Image8> frames, Path file, double fps) throws IOException {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("no frames to write to " + file);
        }
        if (!(fps > 0) || Double.isInfinite(fps)) {
            throw new IllegalArgumentException("fps must be positive, got " + fps);
        }
        Image8 first = frames.getFirst();
        for (int i = 1; i < frames.size(); i++) {
            if (!frames.get(i).sameSize(first)) {
                throw new IllegalArgumentException("frame " + i + " is " + frames.get(i).size() + " but frame 0 is "
                        + first.size() + " (writing " + file + ")");
            }
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gif")) {
            GifWriter.write(frames, file, fps);
        } else if (name.endsWith(".mp4")) {
            Mp4Writer.write(frames, file, fps);
        } else {
            throw new IllegalArgumentException("cannot tell the video format of " + file + " (use .gif or .mp4)");
        }
    }

    /**
     * Writes video {@code b} of {@code videos} {@code (B, C, F, H, W)}, as BIVDiff's {@code save_videos_grid}
     * does for one video: values in [0, 1] ({@code rescale} false) or [-1, 1] ({@code rescale} true) to
     * uint8 by {@code (x * 255)} truncation.
     */
    public static void write(Tensor videos, int b, boolean rescale, Path file, double fps) throws IOException {
        Tensor frames = ImageTensors.framesOf(videos, b); // (F, C, H, W)
        write(rescale ? ImageTensors.signedToPilTruncated(frames) : ImageTensors.toPilTruncated(frames), file, fps);
    }

    /** Name of the FFmpeg encoder MP4 files are written with ({@code libopenh264} in bytedeco's build). */
    public static String h264Encoder() {
        return Mp4Writer.encoder();
    }
}
