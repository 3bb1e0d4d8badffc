package org.bivdiff.media.annotators;

import java.util.List;

import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageTensors;
import org.bivdiff.media.OpenCvResize;
import org.bivdiff.models.dpt.DptForDepthEstimation;
import org.bivdiff.tensor.Tensor;

/**
 * controlnet_aux 0.0.6's {@code MidasDetector.__call__} (the {@code depth_midas} processor of BIVDiff's ControlNet
 * and T2I-Adapter {@code infer.py}) around a {@link DptForDepthEstimation}, pixel for pixel:
 * <ol>
 *   <li>{@code HWC3} (gray to 3 channels), then {@code resize_image(image, detect_resolution)} ({@link #resizeImage});
 *   <li>the network on {@code uint8 / 127.5 - 1} in float32 at that size (no image processor, no resize to 384);
 *   <li>{@code d -= min(d); d /= max(d)} in float32, then {@code (d * 255.0).clip(0, 255).astype(uint8)}
 *       (truncation);
 *   <li>{@code HWC3}, then {@code cv2.resize} with {@code INTER_LINEAR} to the size {@code resize_image} gives the
 *       detector input at {@code image_resolution}.
 * </ol>
 * BIVDiff calls it with the defaults, detect and image resolution 512, on 512 x 512 frames, where both resizes keep
 * the size.
 */
public final class MidasDetector {

    /** controlnet_aux's defaults for {@code detect_resolution} and {@code image_resolution}. */
    public static final int DEFAULT_RESOLUTION = 512;

    /** Every step of one detection, for checking against the reference. */
    public record Trace(Image8 detectorInput, Tensor modelInput, Tensor depth, Image8 depthUint8, Image8 depthMap) {
    }

    private final DptForDepthEstimation network;

    /** A detector around {@code network}; the caller keeps ownership of it. */
    public MidasDetector(DptForDepthEstimation network) {
        this.network = network;
    }

    /** The depth map of {@code image} at the default resolutions: an RGB image whose three channels are equal. */
    public Image8 detect(Image8 image) {
        return trace(image, DEFAULT_RESOLUTION, DEFAULT_RESOLUTION).depthMap();
    }

    /** The depth map of {@code image}: an RGB image of the size {@code resize_image} gives at {@code imageResolution}. */
    public Image8 detect(Image8 image, int detectResolution, int imageResolution) {
        return trace(image, detectResolution, imageResolution).depthMap();
    }

    /** {@link #detect} with every intermediate. */
    public Trace trace(Image8 image, int detectResolution, int imageResolution) {
        Image8 input = resizeImage(Canny.hwc3(image), detectResolution);
        Tensor x = ImageTensors.toSigned(List.of(input));                              // (1, 3, H1, W1)
        Tensor depth = network.predictDepth(x);                                         // (1, H1, W1)
        Image8 depthUint8 = depthToUint8(depth);
        return new Trace(input, x, depth, depthUint8, depthMap(depthUint8, imageResolution));
    }

    /**
     * Step 4: the uint8 depth of the detector input ({@code H1 x W1}) as a 3-channel map resized with
     * {@code INTER_LINEAR} to the size {@code resize_image(detector input, imageResolution)} has.
     */
    public static Image8 depthMap(Image8 depthUint8, int imageResolution) {
        int[] outSize = resizedSize(depthUint8.height(), depthUint8.width(), imageResolution);
        return OpenCvResize.resize(Canny.hwc3(depthUint8), outSize[1], outSize[0], OpenCvResize.Interpolation.LINEAR);
    }

    /**
     * controlnet_aux's {@code resize_image}: the short side scaled to {@code resolution}, both sides then rounded to
     * the nearest multiple of 64 (half to even), resized with {@code INTER_LANCZOS4} when enlarging
     * ({@code resolution / min(H, W) > 1}), {@code INTER_AREA} otherwise.
     *
     * @throws IllegalArgumentException if a side would round to 0
     */
    public static Image8 resizeImage(Image8 image, int resolution) {
        int[] size = resizedSize(image.height(), image.width(), resolution);
        double k = (double) resolution / Math.min(image.height(), image.width());
        return OpenCvResize.resize(image, size[1], size[0],
                k > 1 ? OpenCvResize.Interpolation.LANCZOS4 : OpenCvResize.Interpolation.AREA);
    }

    /** The (height, width) {@code resize_image} gives an image of {@code height x width}. */
    static int[] resizedSize(int height, int width, int resolution) {
        if (resolution <= 0) {
            throw new IllegalArgumentException("resolution must be positive, got " + resolution);
        }
        double k = (double) resolution / Math.min(height, width);
        int h = (int) Math.rint(height * k / 64.0) * 64;
        int w = (int) Math.rint(width * k / 64.0) * 64;
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException("a " + width + "x" + height + " image at resolution " + resolution
                    + " rounds to " + w + "x" + h + " (resize_image rounds sides to multiples of 64)");
        }
        return new int[] {h, w};
    }

    /**
     * Step 3: the min-max normalised depth of one frame {@code (1, H, W)} as uint8, in float32 and truncated; a
     * constant map (0 / 0) gives 0.
     */
    public static Image8 depthToUint8(Tensor depth) {
        if (depth.rank() != 3 || depth.dim(0) != 1) {
            throw new IllegalArgumentException("expected the depth of one frame (1, H, W), got " + depth);
        }
        float[] d = depth.data();
        float min = Float.POSITIVE_INFINITY;
        for (float v : d) {
            min = Math.min(min, v);
        }
        float[] shifted = new float[d.length];
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < d.length; i++) {
            shifted[i] = d[i] - min;
            max = Math.max(max, shifted[i]);
        }
        byte[] px = new byte[d.length];
        for (int i = 0; i < d.length; i++) {
            float v = shifted[i] / max * 255.0f;
            px[i] = Float.isNaN(v) ? 0 : (byte) (int) Math.min(Math.max(v, 0f), 255f);
        }
        return new Image8(depth.dim(1), depth.dim(2), 1, px);
    }
}
