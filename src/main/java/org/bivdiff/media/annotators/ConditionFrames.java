package org.bivdiff.media.annotators;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageTensors;
import org.bivdiff.media.Resize;
import org.bivdiff.tensor.Tensor;

/**
 * The condition images of a clip as BIVDiff computes them at run time: the sampled [-1, 1] frames handed to the
 * annotator as 8-bit images ({@link FrameInput}), then Canny edges ({@code Processor("canny")}) or MiDaS depth
 * ({@code Processor("depth_midas")}) per frame.
 */
public final class ConditionFrames {

    /**
     * How the [-1, 1] frames become the annotator's 8-bit input ({@code torchvision.transforms.ToPILImage}).
     */
    public enum FrameInput {
        /**
         * {@code (x + 1) / 2}, then {@code ToPILImage}: BIVDiff's ControlNet {@code infer.py}
         * ({@link ImageTensors#signedToPilTruncated}).
         */
        CLEAN,
        /**
         * {@code ToPILImage} on the [-1, 1] frames themselves, whose {@code mul(255).byte()} wraps negative values
         * modulo 256 (-0.5 becomes 129), so dark regions turn to noise: BIVDiff's T2I-Adapter {@code infer.py} at its
         * HEAD, where the {@code (x + 1) / 2} line is commented out, and so its published T2I-Adapter results
         * ({@link ImageTensors#toPilTruncated}).
         */
        REFERENCE_WRAP
    }

    private ConditionFrames() {
    }

    /** The frames as the annotator receives them, (H, W, 3) each. */
    public static List<Image8> annotatorInput(Tensor frames, FrameInput input) {
        return input == FrameInput.CLEAN ? ImageTensors.signedToPilTruncated(frames) : ImageTensors.toPilTruncated(frames);
    }

    /**
     * Canny edges with CannyDetector's thresholds (100, 200), as 1-channel images (T2I-Adapter's canny: channel 0
     * of the detector's 3-channel result) or 3-channel ones (HWC3, what a ControlNet receives).
     *
     * @param frames  {@code (F, 3, H, W)} in [-1, 1]
     * @param onFrame called with the number of frames done after each frame
     */
    public static List<Image8> canny(Tensor frames, FrameInput input, int channels, IntConsumer onFrame) {
        List<Image8> out = new ArrayList<>();
        for (Image8 frame : annotatorInput(frames, input)) {
            Image8 e = Canny.edges(frame, Canny.DEFAULT_LOW, Canny.DEFAULT_HIGH);
            out.add(channels == 1 ? e : Canny.hwc3(e));
            onFrame.accept(out.size());
        }
        return out;
    }

    /**
     * MiDaS depth maps with MidasDetector's default resolutions (512 and 512), one frame at a time. BIVDiff's
     * 512 x 512 frames come back at their size; at other sizes the detector's output (sides rounded to multiples of
     * 64) is resized to the frame size with Pillow's Lanczos filter, as diffusers' image processors resize a
     * condition image to the requested size.
     *
     * @param frames  {@code (F, 3, H, W)} in [-1, 1]
     * @param onFrame called with the number of frames done after each frame
     */
    public static List<Image8> depth(Tensor frames, FrameInput input, MidasDetector detector, IntConsumer onFrame) {
        int h = frames.dim(2);
        int w = frames.dim(3);
        List<Image8> out = new ArrayList<>();
        for (Image8 frame : annotatorInput(frames, input)) {
            Image8 map = detector.detect(frame);
            out.add(map.height() == h && map.width() == w ? map : Resize.resize(map, w, h, Resize.Filter.LANCZOS));
            onFrame.accept(out.size());
        }
        return out;
    }
}
