package org.bivdiff.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;

/**
 * Reads clips: a video file FFmpeg can demux (mp4, webm, mov, mkv, avi, gif, ...) or a folder of images
 * (png, jpg, jpeg, bmp; sorted by file name), as RGB frames.
 *
 * <p>Video frames are decoded by FFmpeg and converted (and, when a size is given, resized) to RGB24 by
 * swscale with {@code SWS_BILINEAR}, in one step, like decord's {@code VideoReader(path, width=, height=)}
 * (FFmpeg's {@code scale} filter, bilinear by default in the FFmpeg 4 builds decord ships with); expect
 * small differences from decord (swscale version, the YUV matrix: BT.601 here). Folder images are resized
 * with {@link Resize#bilinear} (Pillow).
 */
public final class VideoReader {

    private static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp");

    private VideoReader() {
    }

    /**
     * Size, frame count and frame rate of {@code source}, without decoding frames (for a file, the video
     * packets of its first video stream are counted; for a folder, its image files, each one's size read from
     * its header).
     *
     * @throws NoSuchFileException if {@code source} does not exist
     * @throws IOException         naming the file if it is not a video, is corrupt, or a folder has no images or
     *                             one of another size than the first
     */
    public static VideoInfo probe(Path source) throws IOException {
        if (Files.isDirectory(source)) {
            List<Path> files = imageFiles(source);
            int[] first = ImageFiles.size(files.getFirst());
            for (Path f : files.subList(1, files.size())) {
                int[] size = ImageFiles.size(f);
                if (size[0] != first[0] || size[1] != first[1]) {
                    throw oddSize(source, f, size[0] + "x" + size[1], first[0] + "x" + first[1], files.getFirst());
                }
            }
            return new VideoInfo(source, first[0], first[1], files.size(), 0);
        }
        requireFile(source);
        try (FFmpegFrameGrabber g = open(source, 0, 0)) {
            AVFormatContext fmt = g.getFormatContext();
            int stream = firstVideoStream(fmt);
            int count = 0;
            AVPacket pkt;
            while ((pkt = g.grabPacket()) != null) {
                if (pkt.stream_index() == stream) {
                    count++;
                }
                avcodec.av_packet_unref(pkt);
            }
            return new VideoInfo(source, g.getImageWidth(), g.getImageHeight(), count, g.getVideoFrameRate());
        } catch (FFmpegFrameGrabber.Exception e) {
            throw notAVideo(source, e);
        }
    }

    /** Every frame of {@code source} at its own size, as {@code (H, W, 3)} images. */
    public static List<Image8> readAll(Path source) throws IOException {
        return read(source, null, 0, 0);
    }

    /**
     * Frames {@code indices} (ascending, distinct, 0-based) of {@code source}, resized to
     * {@code width x height} ({@code 0, 0}: keep the size).
     *
     * @throws VideoTooShortException if the clip ends before the last index
     */
    public static List<Image8> read(Path source, int[] indices, int width, int height) throws IOException {
        if ((width == 0) != (height == 0) || width < 0 || height < 0) {
            throw new IllegalArgumentException("give both width and height (or 0, 0 to keep the size), got "
                    + width + "x" + height);
        }
        if (indices != null) {
            for (int i = 0; i < indices.length; i++) {
                if (indices[i] < 0 || (i > 0 && indices[i] <= indices[i - 1])) {
                    throw new IllegalArgumentException("frame indices must be ascending, distinct and >= 0");
                }
            }
        }
        if (Files.isDirectory(source)) {
            return readFolder(source, indices, width, height);
        }
        requireFile(source);
        return readFile(source, indices, width, height);
    }

    private static List<Image8> readFile(Path file, int[] indices, int width, int height) throws IOException {
        List<Image8> out = new ArrayList<>();
        int index = 0;
        int next = 0;
        try (FFmpegFrameGrabber g = open(file, width, height)) {
            while (indices == null || next < indices.length) {
                boolean wanted = indices == null || indices[next] == index;
                // frames that are not wanted are decoded (they may be references) but not converted
                Frame f = g.grabFrame(false, true, wanted, false, false);
                if (f == null) {
                    break;
                }
                if (f.image == null) {
                    continue;
                }
                if (wanted) {
                    out.add(toImage(f));
                    next++;
                }
                index++;
            }
        } catch (FFmpegFrameGrabber.Exception e) {
            throw notAVideo(file, e);
        }
        if (indices != null && next < indices.length) {
            throw new VideoTooShortException(file, index, indices[indices.length - 1] + 1,
                    "frame " + indices[next] + " was asked for but decoding ended");
        }
        if (out.isEmpty()) {
            throw new IOException("no video frames could be decoded from " + file + details());
        }
        return out;
    }

    private static List<Image8> readFolder(Path dir, int[] indices, int width, int height) throws IOException {
        List<Path> files = imageFiles(dir);
        List<Image8> out = new ArrayList<>();
        Image8 first = null;
        int n = indices == null ? files.size() : indices.length;
        for (int i = 0; i < n; i++) {
            int index = indices == null ? i : indices[i];
            if (index >= files.size()) {
                throw new VideoTooShortException(dir, files.size(), indices[indices.length - 1] + 1,
                        "image " + index + " was asked for");
            }
            Image8 img = ImageFiles.read(files.get(index));
            if (first == null) {
                first = img;
            } else if (!img.sameSize(first)) {
                // Resizing would squash a frame of another shape into the clip without a word.
                throw oddSize(dir, files.get(index), img.size(), first.size(), files.get(indices == null ? 0 : indices[0]));
            }
            out.add(width > 0 ? Resize.bilinear(img, width, height) : img);
        }
        return out;
    }

    private static IOException oddSize(Path dir, Path odd, String size, String firstSize, Path firstFile) {
        return new IOException(odd + ": this frame is " + size + " but " + firstFile.getFileName() + ", the first of "
                + dir + ", is " + firstSize + "; every frame of an image folder must have the same size");
    }

    /** Image files of {@code dir}, sorted by name. */
    static List<Path> imageFiles(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> {
                String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return IMAGE_EXTENSIONS.stream().anyMatch(name::endsWith);
            }).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no images (" + String.join(", ", IMAGE_EXTENSIONS) + ") in folder " + dir);
        }
        return files;
    }

    private static FFmpegFrameGrabber open(Path file, int width, int height) throws IOException {
        FFmpeg.init();
        FFmpeg.clearMessages();
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
        g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
        g.setImageScalingFlags(swscale.SWS_BILINEAR);
        if (width > 0) {
            g.setImageWidth(width);
            g.setImageHeight(height);
        }
        try {
            g.start();
        } catch (FFmpegFrameGrabber.Exception e) {
            g.close();
            throw notAVideo(file, e);
        }
        if (!g.hasVideo()) {
            g.close();
            throw new IOException("no video stream in " + file);
        }
        return g;
    }

    private static int firstVideoStream(AVFormatContext fmt) {
        for (int i = 0; i < fmt.nb_streams(); i++) {
            if (fmt.streams(i).codecpar().codec_type() == avutil.AVMEDIA_TYPE_VIDEO) {
                return i;
            }
        }
        return -1;
    }

    private static Image8 toImage(Frame f) {
        int w = f.imageWidth;
        int h = f.imageHeight;
        int stride = f.imageStride;
        ByteBuffer buf = ((ByteBuffer) f.image[0]).duplicate();
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            buf.position(y * stride);
            buf.get(px, y * w * 3, w * 3);
        }
        return new Image8(h, w, 3, px);
    }

    private static void requireFile(Path file) throws NoSuchFileException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "video file or image folder not found");
        }
    }

    private static IOException notAVideo(Path file, Exception e) {
        return new IOException("cannot read " + file + " as a video (not a video, or corrupt): "
                + FFmpeg.describe(e) + details(), e);
    }

    private static String details() {
        String m = FFmpeg.messages();
        return m.isEmpty() ? "" : " [FFmpeg: " + m + "]";
    }
}
