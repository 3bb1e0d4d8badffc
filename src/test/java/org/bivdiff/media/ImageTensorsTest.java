package org.bivdiff.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.io.SafeTensorsFile;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Float32-exact conversions between 8-bit images and tensors, and image files. */
class ImageTensorsTest {

    @TempDir
    Path dir;

    @Test
    void signedConversionIsBitExactWithReadVideo() throws IOException {
        // the canny case stores images_rgb (N, H, W, 3) and frames = images / 127.5 - 1 in float32 (N, 3, H, W)
        try (SafeTensorsFile f = SafeTensorsFile.open(Fixtures.root().resolve("cases/canny.safetensors"))) {
            Tensor rgb = f.readTensor("images_rgb");
            List<Image8> images = new ArrayList<>();
            int size = rgb.dim(1) * rgb.dim(2) * 3;
            for (int n = 0; n < rgb.dim(0); n++) {
                byte[] px = new byte[size];
                for (int i = 0; i < size; i++) {
                    px[i] = (byte) (int) rgb.data()[n * size + i];
                }
                images.add(new Image8(rgb.dim(1), rgb.dim(2), 3, px));
            }
            assertEquals(f.readTensor("frames"), ImageTensors.toSigned(images));
        }
    }

    @Test
    void truncationAndRoundingDifferAsInTheReference() {
        Tensor x = Tensor.of(new float[] {0f, 0.5f, 1f, 0.998f, 254.5f / 255f, 0.00196f}, 1, 1, 2, 3);
        byte[] truncated = ImageTensors.toPilTruncated(x).getFirst().pixels();
        byte[] rounded = ImageTensors.toPilRounded(x).getFirst().pixels();
        assertArrayEquals(new int[] {0, 127, 255, 254, 254, 0}, unsigned(truncated));
        assertArrayEquals(new int[] {0, 128, 255, 254, 254, 0}, unsigned(rounded));
    }

    @Test
    void signedRoundTripLosesOneOnSomeValues() {
        // uint8 -> [-1, 1] -> ToPILImage((x + 1) / 2) is not the identity in float32 (1 comes back as 0)
        byte[] all = new byte[256 * 3];
        for (int v = 0; v < 256; v++) {
            all[3 * v] = (byte) v;
            all[3 * v + 1] = (byte) v;
            all[3 * v + 2] = (byte) v;
        }
        Image8 img = new Image8(16, 16, 3, all);
        Image8 back = ImageTensors.signedToPilTruncated(ImageTensors.toSigned(List.of(img))).getFirst();
        assertEquals(0, back.get(0, 1, 0));
        int lower = 0;
        for (int v = 0; v < 256; v++) {
            int b = back.pixels()[3 * v] & 0xFF;
            assertTrue(b == v || b == v - 1, v + " came back as " + b);
            lower += b == v - 1 ? 1 : 0;
        }
        assertTrue(lower > 0 && lower < 256, "values one lower: " + lower);
        assertEquals(img, ImageTensors.toPilRounded(ImageTensors.toUnit(List.of(img))).getFirst());
    }

    @Test
    void outOfRangeValuesWrapLikeATorchByteCast() {
        Tensor x = Tensor.of(new float[] {-1f, 1f}, 1, 1, 1, 2);
        // T2I-Adapter hands [-1, 1] frames to ToPILImage: -255 -> 1, 255 -> 255
        assertArrayEquals(new int[] {1, 255}, unsigned(ImageTensors.toPilTruncated(x).getFirst().pixels()));
    }

    @Test
    void videoFramesComeOutFrameMajor() {
        // (B=1, C=2... ) use C=1: (1, 1, 3, 1, 2) -> (3, 1, 1, 2)
        Tensor video = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 1, 3, 1, 2);
        Tensor frames = ImageTensors.framesOf(video, 0);
        assertArrayEquals(new int[] {3, 1, 1, 2}, frames.shape());
        Tensor rgb = Tensor.of(new float[] {1, 2, 10, 20, 100, 200}, 1, 3, 2, 1, 1);
        assertArrayEquals(new float[] {1, 10, 100, 2, 20, 200}, ImageTensors.framesOf(rgb, 0).data());
    }

    @Test
    void pngRoundTripIsLosslessAndJpegIsClose() throws IOException {
        Image8 img = SyntheticClips.movingShapes(1, 64, 48).getFirst();
        Path png = dir.resolve("a/b/frame.png");
        ImageFiles.write(img, png);
        assertEquals(img, ImageFiles.read(png));
        Path jpg = dir.resolve("frame.jpg");
        ImageFiles.write(img, jpg);
        assertTrue(SyntheticClips.meanAbsError(img, ImageFiles.read(jpg)) < 6);
        Image8 gray = new Image8(2, 2, 1, new byte[] {0, 64, (byte) 128, (byte) 255});
        ImageFiles.write(gray, dir.resolve("gray.png"));
        assertEquals(gray.toRgb(), ImageFiles.read(dir.resolve("gray.png")));
    }

    @Test
    void badImageFilesAreNamed() throws IOException {
        Path junk = dir.resolve("junk.png");
        Files.writeString(junk, "not a png");
        IOException e = assertThrows(IOException.class, () -> ImageFiles.read(junk));
        assertTrue(e.getMessage().contains("junk.png"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageFiles.write(Image8.blank(2, 2, 3), dir.resolve("x.tiff")));
    }

    private static int[] unsigned(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xFF;
        }
        return out;
    }
}
