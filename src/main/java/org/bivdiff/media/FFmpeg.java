package org.bivdiff.media;

import java.util.ArrayDeque;
import java.util.Deque;

import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;

/**
 * Loads JavaCV's FFmpeg natives once (JavaCPP extracts them to its cache, {@code ~/.javacpp/cache} unless
 * the {@code org.bytedeco.javacpp.cachedir} property says otherwise) and keeps FFmpeg quiet: nothing is
 * printed; messages of level error and worse are kept (the last few) so that our exceptions can quote them.
 */
final class FFmpeg {

    private static final int KEEP = 8;
    private static final Deque<String> RECENT = new ArrayDeque<>();
    private static final LogCallback CALLBACK;

    static {
        try {
            // only what files need: libavdevice (cameras, screens; it links PulseAudio and X libraries that
            // servers often lack) is left out, and JavaCV's grabber and recorder work without it
            Loader.load(avutil.class);
            Loader.load(avcodec.class);
            Loader.load(avformat.class);
            Loader.load(swscale.class);
            Class.forName(FFmpegFrameGrabber.class.getName());
            Class.forName(FFmpegFrameRecorder.class.getName());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("cannot load FFmpeg (JavaCV natives for this platform): " + e, e);
        }
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        CALLBACK = new LogCallback() {
            @Override
            public void call(int level, BytePointer msg) {
                if (level <= avutil.AV_LOG_ERROR && msg != null && !msg.isNull()) {
                    record(msg.getString().strip());
                }
            }
        }.retainReference();
        avutil.setLogCallback(CALLBACK);
    }

    private FFmpeg() {
    }

    /** Makes sure the natives are loaded and the log is quiet. */
    static void init() {
        // the static initializer does the work
    }

    /** Forgets earlier messages: call before an operation whose errors should be quoted. */
    static void clearMessages() {
        synchronized (RECENT) {
            RECENT.clear();
        }
    }

    /** The distinct error messages FFmpeg logged since {@link #clearMessages}, joined, or "" if none. */
    static String messages() {
        synchronized (RECENT) {
            return String.join("; ", RECENT);
        }
    }

    /** JavaCV's message of {@code e} without its hints about setFormat() and FFmpegLogCallback. */
    static String describe(Exception e) {
        String m = String.valueOf(e.getMessage());
        int hint = m.indexOf(" (Has setFormat()");
        if (hint < 0) {
            hint = m.indexOf(" (For more details");
        }
        return hint < 0 ? m : m.substring(0, hint);
    }

    private static void record(String message) {
        // "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x7ff5bc605780] moov atom not found" -> "[mov,mp4,...] moov atom not found"
        message = message.replaceAll(" @ 0x[0-9a-fA-F]+\\]", "]");
        if (message.isEmpty()) {
            return;
        }
        synchronized (RECENT) {
            if (RECENT.contains(message)) {
                return;
            }
            if (RECENT.size() == KEEP) {
                RECENT.removeFirst();
            }
            RECENT.addLast(message);
        }
    }
}
