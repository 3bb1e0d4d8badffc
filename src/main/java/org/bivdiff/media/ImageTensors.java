package org.bivdiff.media;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bivdiff.tensor.Tensor;

/**
 * 8-bit images to and from float tensors, each conversion done in float32 exactly as the Python
 * reference does it, so that values match bit for bit.
 *
 * <p>Tensors are {@code (N, C, H, W)} batches of images (a video's frames are a batch, {@code (F, C, H, W)});
 * images are HWC {@link Image8}s.
 */
public final class ImageTensors {

    private ImageTensors() {
    }

    /**
     * {@code (N, C, H, W)} in [0, 1]: {@code uint8 / 255} in float32, as diffusers' image processors
     * ({@code np.array(image).astype(np.float32) / 255.0}) compute it.
     */
    public static Tensor toUnit(List<Image8> images) {
        return toTensor(images, false);
    }

    /**
     * {@code (N, C, H, W)} in [-1, 1]: {@code uint8 / 127.5 - 1} in float32, what BIVDiff's
     * {@code read_video} computes ({@code video / 127.5 - 1.0} on a uint8 torch tensor).
     */
    public static Tensor toSigned(List<Image8> images) {
        return toTensor(images, true);
    }

    /**
     * torchvision's {@code ToPILImage} on float frames in [0, 1]: {@code x.mul(255).byte()}, a float32
     * multiply then truncation towards zero (not rounding). Out-of-range values are cast as PyTorch on
     * x86-64 casts them (truncated to a 32-bit integer, then its low byte), e.g. 256.0 becomes 0 and -1.5 becomes
     * 255; BIVDiff's T2I-Adapter path feeds [-1, 1] frames here and relies on that.
     *
     * @param x {@code (N, C, H, W)} with C = 1 or 3
     */
    public static List<Image8> toPilTruncated(Tensor x) {
        return toImages(x, false, v -> (int) (v * 255f));
    }

    /**
     * BIVDiff's frame hand-off to the annotators ({@code models/ControlNet/infer.py}): {@code (x + 1) / 2} then
     * {@link #toPilTruncated}, all in float32. Note the round trip with {@link #toSigned} is not the identity:
     * some values come back one lower.
     *
     * @param frames {@code (N, C, H, W)} in [-1, 1]
     */
    public static List<Image8> signedToPilTruncated(Tensor frames) {
        return toImages(frames, true, v -> (int) (v * 255f));
    }

    /**
     * diffusers' {@code numpy_to_pil}: {@code (x * 255).round().astype("uint8")} on float32 values in [0, 1]
     * (numpy rounds half to even). Values are expected in [0, 1] (diffusers clamps first).
     *
     * @param x {@code (N, C, H, W)}
     */
    public static List<Image8> toPilRounded(Tensor x) {
        return toImages(x, false, v -> (int) Math.rint(v * 255f));
    }

    /**
     * The frames of video {@code b} of a batch of videos {@code (B, C, F, H, W)} as a batch of images
     * {@code (F, C, H, W)} (einops {@code "b c f h w -> (b f) c h w"} for one b), ready for the conversions above.
     */
    public static Tensor framesOf(Tensor video, int b) {
        int[] s = video.shape();
        if (s.length != 5) {
            throw new IllegalArgumentException("expected a video (B, C, F, H, W), got " + Arrays.toString(s));
        }
        int c = s[1];
        int f = s[2];
        int hw = s[3] * s[4];
        float[] src = video.data();
        float[] out = new float[f * c * hw];
        int base = b * c * f * hw;
        for (int ch = 0; ch < c; ch++) {
            for (int t = 0; t < f; t++) {
                System.arraycopy(src, base + (ch * f + t) * hw, out, (t * c + ch) * hw, hw);
            }
        }
        return Tensor.of(out, f, c, s[3], s[4]); // (F, C, H, W)
    }

    private static Tensor toTensor(List<Image8> images, boolean signed) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to convert");
        }
        Image8 first = images.getFirst();
        int c = first.channels();
        int h = first.height();
        int w = first.width();
        int plane = h * w;
        float[] out = new float[images.size() * c * plane];
        for (int n = 0; n < images.size(); n++) {
            Image8 img = images.get(n);
            if (!img.sameSize(first) || img.channels() != c) {
                throw new IllegalArgumentException("image " + n + " is " + img + " but image 0 is " + first);
            }
            byte[] px = img.pixels();
            int base = n * c * plane;
            for (int i = 0; i < plane; i++) {
                for (int ch = 0; ch < c; ch++) {
                    float v = px[i * c + ch] & 0xFF;
                    out[base + ch * plane + i] = signed ? v / 127.5f - 1f : v / 255f;
                }
            }
        }
        return Tensor.of(out, images.size(), c, h, w); // (N, C, H, W)
    }

    private interface ToByte {
        int apply(float v);
    }

    private static List<Image8> toImages(Tensor x, boolean fromSigned, ToByte convert) {
        if (x.rank() != 4 || (x.dim(1) != 1 && x.dim(1) != 3)) {
            throw new IllegalArgumentException("expected images (N, 1 or 3, H, W), got " + x);
        }
        int n = x.dim(0);
        int c = x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        int plane = h * w;
        float[] d = x.data();
        List<Image8> out = new ArrayList<>(n);
        for (int b = 0; b < n; b++) {
            byte[] px = new byte[plane * c];
            int base = b * c * plane;
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < plane; i++) {
                    float v = d[base + ch * plane + i];
                    if (fromSigned) {
                        v = (v + 1f) / 2f;
                    }
                    px[i * c + ch] = (byte) convert.apply(v);
                }
            }
            out.add(new Image8(h, w, c, px));
        }
        return out;
    }
}
