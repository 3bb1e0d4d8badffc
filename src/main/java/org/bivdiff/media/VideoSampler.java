package org.bivdiff.media;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.bivdiff.tensor.Tensor;

/**
 * BIVDiff's {@code read_video(video_path, video_length, width, height, frame_rate)} ({@code models/util.py}):
 * take {@code video_length} frames, one every {@code frame_rate} frames from the first
 * ({@code list(range(0, len(vr), frame_rate))[:video_length]}); when {@code frame_rate} is not given it is
 * {@code max(1, len(vr) // video_length)}, which spreads the frames over the whole clip. Frames are
 * resized to {@code width x height} while decoding and scaled to [-1, 1] ({@code video / 127.5 - 1.0}).
 *
 * <p>One deliberate difference: where the reference silently returns fewer frames when the clip is too
 * short, this throws {@link VideoTooShortException} before decoding anything. The frame count is exact
 * (packets counted), where decord trusts the container's {@code nb_frames} or estimates it from the duration.
 */
public final class VideoSampler {

    private VideoSampler() {
    }

    /** The reference's default step: {@code max(1, frameCount // videoLength)}. */
    public static int defaultFrameRate(int frameCount, int videoLength) {
        requirePositive("video_length", videoLength);
        return Math.max(1, frameCount / videoLength);
    }

    /** {@code videoLength} asking for every frame the step reaches, however many ({@code video_length: all}). */
    public static final int ALL_FRAMES = 0;

    /**
     * How a clip is sampled: one frame every {@code step} from the first, {@code frames} of them.
     *
     * @param info   the probed clip
     * @param step   frames between two taken ones
     * @param frames how many are taken
     */
    public record Plan(VideoInfo info, int step, int frames) {

        /**
         * The rate at which the taken frames play at the source's speed: its fps divided by the step (its own fps
         * when every frame is taken), or {@code fallback} when the source states none (a folder of images).
         */
        public double fps(double fallback) {
            return info.fps() > 0 ? info.fps() / step : fallback;
        }

        /** The taken frames at {@code width x height}: {@code (frames, 3, H, W)} in [-1, 1]. */
        public Tensor read(int width, int height) throws IOException {
            return VideoSampler.read(info, frames, width, height, step);
        }
    }

    /**
     * The sampling of {@code source} that {@code read_video} does for {@code videoLength} frames one every
     * {@code frameRate} ({@code frameRate} 0: the reference's default step, spreading them over the clip), or, with
     * {@link #ALL_FRAMES}, every frame the step reaches ({@code list(range(0, len(vr), frame_rate))}; step 1 when
     * {@code frameRate} is 0).
     */
    public static Plan plan(Path source, int videoLength, int frameRate) throws IOException {
        if (videoLength < 0 || frameRate < 0) {
            throw new IllegalArgumentException("video_length and frame_rate must be >= 0 (0: all frames, spread over "
                    + "the clip), got " + videoLength + " and " + frameRate);
        }
        VideoInfo info = VideoReader.probe(source);
        boolean all = videoLength == ALL_FRAMES;
        int step = frameRate > 0 ? frameRate : all ? 1 : defaultFrameRate(info.frameCount(), videoLength);
        // an empty clip asks for one frame, so that reading it says how many it has
        int frames = all ? Math.max(0, info.frameCount() - 1) / step + 1 : videoLength;
        return new Plan(info, step, frames);
    }

    /**
     * Indices {@code 0, frameRate, 2 * frameRate, ...}, {@code videoLength} of them.
     *
     * @throws VideoTooShortException if {@code frameCount} is below {@code (videoLength - 1) * frameRate + 1}
     */
    public static int[] sampleIndices(Path source, int frameCount, int videoLength, int frameRate)
            throws VideoTooShortException {
        requirePositive("video_length", videoLength);
        requirePositive("frame_rate", frameRate);
        long needed = (long) (videoLength - 1) * frameRate + 1;
        if (frameCount < needed) {
            throw new VideoTooShortException(source, frameCount, (int) Math.min(needed, Integer.MAX_VALUE),
                    videoLength + " frames, one every " + frameRate);
        }
        int[] idx = new int[videoLength];
        for (int i = 0; i < videoLength; i++) {
            idx[i] = i * frameRate;
        }
        return idx;
    }

    /** {@link #readVideo(Path, int, int, int, int)} with the default frame rate, spread over the clip. */
    public static Tensor readVideo(Path source, int videoLength, int width, int height) throws IOException {
        VideoInfo info = VideoReader.probe(source);
        return read(info, videoLength, width, height, defaultFrameRate(info.frameCount(), videoLength));
    }

    /**
     * The sampled frames of {@code source} (a video file or image folder) at {@code width x height}.
     *
     * @return {@code (F, 3, H, W)} in [-1, 1], F = {@code videoLength}
     * @throws java.nio.file.NoSuchFileException if {@code source} does not exist
     * @throws VideoTooShortException            if the clip has too few frames (says how many it has and needs)
     * @throws IOException                       if it is not a readable video or image folder
     */
    public static Tensor readVideo(Path source, int videoLength, int width, int height, int frameRate)
            throws IOException {
        return read(VideoReader.probe(source), videoLength, width, height, frameRate);
    }

    /** The sampled frames as images (before the [-1, 1] scaling), at {@code width x height}. */
    public static List<Image8> sampleFrames(Path source, int videoLength, int width, int height, int frameRate)
            throws IOException {
        VideoInfo info = VideoReader.probe(source);
        int[] idx = sampleIndices(source, info.frameCount(), videoLength, frameRate);
        return VideoReader.read(source, idx, width, height);
    }

    private static Tensor read(VideoInfo info, int videoLength, int width, int height, int frameRate)
            throws IOException {
        requirePositive("width", width);
        requirePositive("height", height);
        int[] idx = sampleIndices(info.source(), info.frameCount(), videoLength, frameRate);
        return ImageTensors.toSigned(VideoReader.read(info.source(), idx, width, height)); // (F, 3, H, W)
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
