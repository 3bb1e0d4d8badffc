package org.bivdiff.media;

import java.util.Arrays;
import java.util.Objects;

/**
 * An 8-bit image in HWC order, as PIL, OpenCV and numpy hold one: {@code pixels[(y * width + x) * channels + c]},
 * values 0..255 stored as unsigned bytes. Channels are 1 (grayscale) or 3 (RGB).
 *
 * <p>Immutable by convention, like {@link org.bivdiff.tensor.Tensor}: {@link #pixels()} is not copied.
 *
 * @param height   rows
 * @param width    columns
 * @param channels 1 or 3
 * @param pixels   {@code height * width * channels} bytes
 */
public record Image8(int height, int width, int channels, byte[] pixels) {

    public Image8 {
        Objects.requireNonNull(pixels, "pixels");
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images have 1 or 3 channels, got " + channels);
        }
        if ((long) height * width * channels != pixels.length) {
            throw new IllegalArgumentException(width + "x" + height + "x" + channels + " pixels need "
                    + (long) height * width * channels + " bytes, got " + pixels.length);
        }
    }

    /** A black image. */
    public static Image8 blank(int height, int width, int channels) {
        return new Image8(height, width, channels, new byte[height * width * channels]);
    }

    /** Value 0..255 at row {@code y}, column {@code x}, channel {@code c}. */
    public int get(int y, int x, int c) {
        return pixels[(y * width + x) * channels + c] & 0xFF;
    }

    /** This image with 3 channels: a grayscale image copied to R, G and B; an RGB image is returned as is. */
    public Image8 toRgb() {
        if (channels == 3) {
            return this;
        }
        byte[] out = new byte[pixels.length * 3];
        for (int i = 0; i < pixels.length; i++) {
            out[3 * i] = pixels[i];
            out[3 * i + 1] = pixels[i];
            out[3 * i + 2] = pixels[i];
        }
        return new Image8(height, width, 3, out);
    }

    /** Whether {@code other} has the same height and width. */
    public boolean sameSize(Image8 other) {
        return height == other.height && width == other.width;
    }

    /** {@code "WxH"}, for messages. */
    public String size() {
        return width + "x" + height;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Image8 i && height == i.height && width == i.width && channels == i.channels
                && Arrays.equals(pixels, i.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * height + width) + channels) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "Image8[" + width + "x" + height + "x" + channels + "]";
    }
}
