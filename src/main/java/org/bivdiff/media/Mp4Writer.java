package org.bivdiff.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * MP4 files through FFmpeg (JavaCV's {@link FFmpegFrameRecorder}): H.264, yuv420p. The encoder is the first
 * of {@code libx264}, {@code libopenh264} (the one bytedeco's LGPL FFmpeg build has) or any other H.264
 * encoder FFmpeg registers that opens; if none does, MPEG-4 Part 2 ({@code mpeg4}), which every FFmpeg has.
 * Odd widths or heights are padded to even by repeating the last column or row (yuv420p needs even sizes).
 */
final class Mp4Writer {

    private static final List<String> PREFERRED = List.of("libx264", "libopenh264");
    private static final String LAST_RESORT = "mpeg4";

    private static volatile String chosen;

    private Mp4Writer() {
    }

    /** Encoders to try, best first: the preferred H.264 ones present, FFmpeg's default H.264 one, mpeg4. */
    static List<String> candidates() {
        FFmpeg.init();
        List<String> names = new ArrayList<>();
        for (String name : PREFERRED) {
            if (exists(name)) {
                names.add(name);
            }
        }
        AVCodec any = avcodec.avcodec_find_encoder(avcodec.AV_CODEC_ID_H264);
        if (any != null && !any.isNull() && !names.contains(any.name().getString())) {
            names.add(any.name().getString());
        }
        names.add(LAST_RESORT);
        return names;
    }

    /** The encoder the last successful write used, or the first candidate if nothing was written yet. */
    static String encoder() {
        String c = chosen;
        return c != null ? c : candidates().getFirst();
    }

    static void write(List<Image8> frames, Path file, double fps) throws IOException {
        Image8 first = frames.getFirst();
        int w = first.width() + (first.width() & 1);
        int h = first.height() + (first.height() & 1);
        List<String> tried = new ArrayList<>();
        List<String> names = new ArrayList<>(candidates());
        if (chosen != null) {
            // the encoder that worked last time first, the others still as fallbacks
            names.remove(chosen);
            names.addFirst(chosen);
        }
        for (String name : names) {
            FFmpeg.clearMessages();
            try {
                encode(frames, file, fps, name, w, h);
                chosen = name;
                return;
            } catch (FFmpegFrameRecorder.Exception e) {
                tried.add(name + ": " + FFmpeg.describe(e) + (FFmpeg.messages().isEmpty() ? "" : " [" + FFmpeg.messages() + "]"));
                Files.deleteIfExists(file);
            }
        }
        throw new IOException("cannot write " + file + ": no video encoder worked (" + String.join("; ", tried) + ")");
    }

    private static void encode(List<Image8> frames, Path file, double fps, String codec, int w, int h)
            throws IOException {
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toFile(), w, h, 0)) {
            r.setFormat("mp4");
            r.setVideoCodecName(codec);
            r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            r.setFrameRate(fps);
            // about 1 bit per pixel per frame, enough for near-transparent quality at these sizes
            r.setVideoBitrate((int) Math.min(Integer.MAX_VALUE, Math.max(500_000, (long) (w * (long) h * fps))));
            r.setGopSize((int) Math.max(1, Math.round(fps * 2)));
            r.start();
            Frame f = new Frame(w, h, Frame.DEPTH_UBYTE, 3);
            for (Image8 img : frames) {
                fill(f, img.toRgb());
                r.record(f, avutil.AV_PIX_FMT_RGB24);
            }
            r.stop();
        }
    }

    /** Copies {@code img} into the frame buffer, repeating the last column / row into the even padding. */
    private static void fill(Frame f, Image8 img) {
        ByteBuffer buf = (ByteBuffer) f.image[0];
        int stride = f.imageStride;
        byte[] px = img.pixels();
        int w = img.width();
        byte[] row = new byte[f.imageWidth * 3];
        for (int y = 0; y < f.imageHeight; y++) {
            int sy = Math.min(y, img.height() - 1);
            System.arraycopy(px, sy * w * 3, row, 0, w * 3);
            if (f.imageWidth > w) {
                System.arraycopy(px, (sy * w + w - 1) * 3, row, w * 3, 3);
            }
            buf.position(y * stride);
            buf.put(row);
        }
        buf.rewind();
    }

    private static boolean exists(String name) {
        AVCodec c = avcodec.avcodec_find_encoder_by_name(name);
        return c != null && !c.isNull();
    }
}
