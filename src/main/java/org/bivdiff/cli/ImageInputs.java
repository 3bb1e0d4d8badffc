package org.bivdiff.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.bivdiff.media.ImageTensors;
import org.bivdiff.media.Resize;
import org.bivdiff.media.annotators.Canny;
import org.bivdiff.tensor.Tensor;

/**
 * Image files to the tensors the image pipelines take, the way diffusers' image processors treat PIL inputs:
 * resized with Lanczos to the run's size when they differ, {@code uint8 / 255}; masks converted to grayscale as
 * PIL's {@code convert("L")} does.
 */
final class ImageInputs {

    private ImageInputs() {
    }

    /** An RGB image at {@code width x height}, as (1, 3, H, W) in [0, 1]. */
    static Tensor rgb(Image8 image, int width, int height) {
        return ImageTensors.toUnit(List.of(fit(image, width, height)));
    }

    /**
     * The Canny edge map of {@code image} at {@code width x height} (cv2.Canny on the RGB image), as (1, C, H, W)
     * of 0 / 1: 3 channels (HWC3, what the ControlNet pipeline receives) or 1 (BIVDiff's T2I-Adapter canny input).
     */
    static Tensor canny(Image8 image, int width, int height, double low, double high, int channels) {
        Image8 edges = Canny.edges(fit(image, width, height), low, high);
        return ImageTensors.toUnit(List.of(channels == 1 ? edges : Canny.hwc3(edges)));
    }

    /** A mask file as (1, 1, H, W) in [0, 1]: grayscale, resized to {@code width x height}. */
    static Tensor mask(Path file, int width, int height) throws IOException {
        return ImageTensors.toUnit(List.of(fit(grayscale(ImageFiles.read(file)), width, height)));
    }

    /** PIL's RGB to L: {@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16}. */
    static Image8 grayscale(Image8 rgb) {
        if (rgb.channels() == 1) {
            return rgb;
        }
        byte[] out = new byte[rgb.height() * rgb.width()];
        for (int y = 0; y < rgb.height(); y++) {
            for (int x = 0; x < rgb.width(); x++) {
                int l = (rgb.get(y, x, 0) * 19595 + rgb.get(y, x, 1) * 38470 + rgb.get(y, x, 2) * 7471 + 0x8000) >> 16;
                out[y * rgb.width() + x] = (byte) l;
            }
        }
        return new Image8(rgb.height(), rgb.width(), 1, out);
    }

    /** Writes the first image of (N, 3, H, W) in [0, 1] as a PNG (diffusers' {@code numpy_to_pil} rounding). */
    static void write(Tensor image, Path file) throws IOException {
        ImageFiles.write(ImageTensors.toPilRounded(image.slice0(0, 1)).getFirst(), file);
    }

    private static Image8 fit(Image8 image, int width, int height) {
        return Resize.resize(image, width, height, Resize.Filter.LANCZOS);
    }
}
