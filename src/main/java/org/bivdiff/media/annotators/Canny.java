package org.bivdiff.media.annotators;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageTensors;
import org.bivdiff.tensor.Tensor;

/**
 * Canny edges as OpenCV 4.6 computes them: {@code cv2.Canny(image, low, high)} with apertureSize 3 and
 * L2gradient false (OpenCV's {@code modules/imgproc/src/canny.cpp}), on 1- or 3-channel 8-bit images,
 * bit-exact. controlnet_aux's {@code CannyDetector} calls it on the RGB image without a grayscale
 * conversion; T2I-Adapter's canny condition feeds it a grayscale image.
 *
 * <ol>
 *   <li>3x3 Sobel derivatives {@code dx}, {@code dy} of every channel, BORDER_REPLICATE, in integers;
 *   <li>magnitude {@code |dx| + |dy|}; with several channels, per pixel the channel of the largest
 *       magnitude (the first one on ties) supplies dx, dy and the magnitude;
 *   <li>non-maximum suppression of pixels with magnitude {@code > low} along the gradient direction,
 *       quantised to 4 sectors with OpenCV's integer tangent test ({@code tan 22.5} in Q15), with its
 *       asymmetric comparisons ({@code >} against one neighbour, {@code >=} against the other; strict on
 *       both diagonals); rows outside the image count as magnitude 0;
 *   <li>hysteresis: survivors with magnitude {@code > high} are edges, and so is every survivor
 *       8-connected to an edge through survivors.
 * </ol>
 * Thresholds are floored to integers and swapped when {@code low > high}, as OpenCV does.
 */
public final class Canny {

    /** controlnet_aux CannyDetector's default thresholds. */
    public static final int DEFAULT_LOW = 100;
    public static final int DEFAULT_HIGH = 200;

    /** OpenCV's TG22 = (int)(tan(22.5 deg) * 2^15 + 0.5). */
    private static final int TG22 = (int) (0.4142135623730950488016887242097 * (1 << 15) + 0.5);

    private Canny() {
    }

    /**
     * The edge map of {@code image} (1 or 3 channels).
     *
     * @return an {@code (H, W, 1)} image of 0 (no edge) and 255 (edge)
     */
    public static Image8 edges(Image8 image, double lowThreshold, double highThreshold) {
        if (lowThreshold > highThreshold) {
            double t = lowThreshold;
            lowThreshold = highThreshold;
            highThreshold = t;
        }
        int low = (int) Math.floor(lowThreshold);
        int high = (int) Math.floor(highThreshold);
        int h = image.height();
        int w = image.width();
        Gradient g = Gradient.of(image);
        // map: 0 = may be an edge, 1 = cannot be an edge, 2 = edge; one-pixel frame of 1s around the image
        int step = w + 2;
        byte[] map = new byte[(h + 2) * step];
        Arrays.fill(map, (byte) 1);
        int[] stack = new int[Math.max(1024, h * w / 10)];
        int top = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int m = g.mag[i];
                if (m <= low || !isLocalMax(g, y, x, m)) {
                    continue;
                }
                int at = (y + 1) * step + x + 1;
                if (m > high) {
                    map[at] = 2;
                    if (top == stack.length) {
                        stack = Arrays.copyOf(stack, stack.length * 3 / 2);
                    }
                    stack[top++] = at;
                } else {
                    map[at] = 0;
                }
            }
        }
        int[] neighbours = {-step - 1, -step, -step + 1, -1, 1, step - 1, step, step + 1};
        while (top > 0) {
            int at = stack[--top];
            for (int d : neighbours) {
                int n = at + d;
                if (map[n] == 0) {
                    map[n] = 2;
                    if (top == stack.length) {
                        stack = Arrays.copyOf(stack, stack.length * 3 / 2);
                    }
                    stack[top++] = n;
                }
            }
        }
        byte[] out = new byte[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[y * w + x] = map[(y + 1) * step + x + 1] == 2 ? (byte) 255 : 0;
            }
        }
        return new Image8(h, w, 1, out);
    }

    /** {@link #edges} with CannyDetector's defaults, 100 and 200. */
    public static Image8 edges(Image8 image) {
        return edges(image, DEFAULT_LOW, DEFAULT_HIGH);
    }

    /**
     * controlnet_aux's {@code HWC3}: a 1-channel image copied to 3 channels; a 3-channel image is returned as is.
     *
     * @return an {@code (H, W, 3)} image
     */
    public static Image8 hwc3(Image8 image) {
        return image.toRgb();
    }

    /**
     * BIVDiff's canny condition for a clip (ControlNet {@code infer.py}): each frame to uint8 by
     * {@link ImageTensors#signedToPilTruncated}, Canny edges with the given thresholds, HWC3, then the
     * ControlNet pipeline's {@code control_image_processor.preprocess} ({@code uint8 / 255}). The detector's
     * two resizes to 512 are no-ops for 512-pixel frames and are not done here.
     *
     * @param frames {@code (F, 3, H, W)} in [-1, 1]
     * @return {@code (F, 3, H, W)} control images of 0.0 / 1.0
     */
    public static Tensor controlImages(Tensor frames, double low, double high) {
        List<Image8> conditions = new ArrayList<>();
        for (Image8 frame : ImageTensors.signedToPilTruncated(frames)) {
            conditions.add(hwc3(edges(frame, low, high)));
        }
        return ImageTensors.toUnit(conditions);
    }

    /**
     * OpenCV's sector test for the pixel at {@code (y, x)} with magnitude {@code m}: horizontal gradient
     * (|dy| < tan 22.5 |dx|) compares with the left (strictly) and right neighbours; vertical
     * (|dy| > tan 67.5 |dx|) with the row above (strictly) and below; diagonal strictly with both
     * neighbours along the diagonal the signs of dx and dy pick.
     */
    private static boolean isLocalMax(Gradient g, int y, int x, int m) {
        int i = y * g.width + x;
        int xs = g.dx[i];
        int ys = g.dy[i];
        int ax = Math.abs(xs);
        int ay = Math.abs(ys) << 15;
        int tg22x = ax * TG22;
        if (ay < tg22x) {
            return m > g.magAt(y, x - 1) && m >= g.magAt(y, x + 1);
        }
        int tg67x = tg22x + (ax << 16);
        if (ay > tg67x) {
            return m > g.magAt(y - 1, x) && m >= g.magAt(y + 1, x);
        }
        int s = (xs ^ ys) < 0 ? -1 : 1;
        return m > g.magAt(y - 1, x - s) && m > g.magAt(y + 1, x + s);
    }
}
