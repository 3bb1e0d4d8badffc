package org.bivdiff.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.bivdiff.io.ConfigException;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CLIPImageProcessor's steps on hand-made images: sizes of the resize, the centre crop with transformers'
 * zero padding (and its odd-shortfall quirk), the float32 rescale and normalise, and both config spellings.
 * The exact pixels against the reference are the {@code clip_image_preprocess} case's.
 */
class ClipImageProcessorTest {

    private static ClipImageProcessor processor(int shortestEdge, int crop) {
        return new ClipImageProcessor(new ClipImageProcessor.Config(true, true, shortestEdge, Resize.Filter.BICUBIC,
                true, crop, crop, true, 1.0 / 255, true, new double[] {0.48145466, 0.4578275, 0.40821073},
                new double[] {0.26862954, 0.26130258, 0.27577711}));
    }

    private static Image8 ramp(int h, int w) {
        byte[] px = new byte[h * w * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 7);
        }
        return new Image8(h, w, 3, px);
    }

    @Test
    void theShortestEdgeIsResizedAndTheLongEdgeTruncated() {
        ClipImageProcessor p = processor(32, 32);
        Image8 landscape = p.resize(ramp(29, 41));
        assertEquals(32, landscape.height());
        assertEquals(45, landscape.width(), "int(32 * 41 / 29) = int(45.24)");
        Image8 portrait = p.resize(ramp(41, 29));
        assertEquals(45, portrait.height());
        assertEquals(32, portrait.width());
        Image8 same = ramp(32, 50);
        assertSame(same, p.resize(same), "a short side of the right size is not resampled");
    }

    @Test
    void theCentreCropPadsWithZerosAndFallsOneShortOnAnOddShortfall() {
        ClipImageProcessor p = processor(32, 32);
        Image8 wide = ramp(32, 45);
        Image8 crop = p.centerCrop(wide);
        assertEquals(32, crop.width());
        assertEquals(wide.get(0, 6, 0), crop.get(0, 0, 0), "left = (45 - 32) // 2 = 6");
        Image8 even = p.centerCrop(ramp(30, 32));
        assertEquals(32, even.height());
        assertEquals(0, even.get(0, 5, 1), "one padding row above");
        assertEquals(ramp(30, 32).get(0, 5, 1), even.get(1, 5, 1));
        Image8 odd = p.centerCrop(ramp(29, 32));
        assertEquals(31, odd.height(), "transformers' slice of the padded image ends one row early");
        assertEquals(ramp(29, 32).get(0, 3, 2), odd.get(1, 3, 2));
    }

    @Test
    void rescaleAndNormaliseAreFloat32InTheReferencesOrder() {
        ClipImageProcessor p = processor(2, 2);
        byte[] px = {(byte) 255, 0, (byte) 128, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        Tensor t = p.normalize(List.of(new Image8(2, 2, 3, px)));
        assertArrayEquals(new int[] {1, 3, 2, 2}, t.shape());
        float rescaled = (float) (255 * (1.0 / 255));
        assertEquals((rescaled - 0.48145466f) / 0.26862954f, t.data()[0], 0f);          // R of pixel 0
        assertEquals(((float) (128 * (1.0 / 255)) - 0.40821073f) / 0.27577711f, t.data()[8], 0f);   // B of pixel 0
        assertEquals(((float) (5 * (1.0 / 255)) - 0.4578275f) / 0.26130258f, t.data()[4 + 2], 0f);   // G of pixel 2
        Tensor grey = p.preprocess(List.of(new Image8(2, 2, 1, new byte[] {10, 20, 30, 40})));
        assertEquals(grey.data()[0], ((float) (10 * (1.0 / 255)) - 0.48145466f) / 0.26862954f, 0f);
        var mixed = assertThrows(IllegalArgumentException.class,
                () -> p.normalize(List.of(ramp(2, 2), ramp(3, 2))));
        assertTrue(mixed.getMessage().contains("image 1"), mixed.getMessage());
    }

    @Test
    void bothConfigSpellingsReadTheSame(@TempDir Path dir) throws Exception {
        Path old = Files.createDirectories(dir.resolve("old"));
        Files.writeString(old.resolve("preprocessor_config.json"), """
                {"crop_size": 224, "do_center_crop": true, "do_normalize": true, "do_resize": true,
                 "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": [0.48145466, 0.4578275, 0.40821073],
                 "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": 224}""");
        Path current = dir.resolve("current.json");
        Files.writeString(current, """
                {"crop_size": {"height": 224, "width": 224}, "do_center_crop": true, "do_convert_rgb": true,
                 "do_normalize": true, "do_rescale": true, "do_resize": true,
                 "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_processor_type": "CLIPImageProcessor",
                 "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3,
                 "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 224}}""");
        ClipImageProcessor.Config a = ClipImageProcessor.read(old).config();
        ClipImageProcessor.Config b = ClipImageProcessor.read(current).config();
        assertEquals(224, a.shortestEdge());
        assertEquals(224, a.cropHeight());
        assertEquals(224, a.cropWidth());
        assertEquals(b.shortestEdge(), a.shortestEdge());
        assertEquals(b.rescaleFactor(), a.rescaleFactor(), 0);
        assertArrayEquals(b.imageStd(), a.imageStd(), 0);
        assertEquals(Resize.Filter.BICUBIC, a.resample());
    }

    @Test
    void badConfigsNameTheFileAndKey(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("preprocessor_config.json");
        Files.writeString(f, "{\"resample\": 0}");
        var nearest = assertThrows(ConfigException.class, () -> ClipImageProcessor.read(f));
        assertTrue(nearest.getMessage().contains(f.toString()) && nearest.getMessage().contains("resample 0"),
                nearest.getMessage());
        Files.writeString(f, "{\"size\": {\"height\": 224, \"width\": 224}}");
        var size = assertThrows(ConfigException.class, () -> ClipImageProcessor.read(f));
        assertTrue(size.getMessage().contains("size.shortest_edge"), size.getMessage());
        Files.writeString(f, "{\"do_rescale\": false}");
        var order = assertThrows(ConfigException.class, () -> ClipImageProcessor.read(f));
        assertTrue(order.getMessage().contains("do_normalize without do_rescale"), order.getMessage());
        Files.writeString(f, "{\"do_pad\": true}");
        var unknown = assertThrows(ConfigException.class, () -> ClipImageProcessor.read(f));
        assertTrue(unknown.getMessage().contains("do_pad"), unknown.getMessage());
        Files.writeString(f, "{\"image_mean\": [0.5, 0.5]}");
        var mean = assertThrows(ConfigException.class, () -> ClipImageProcessor.read(f));
        assertTrue(mean.getMessage().contains("3 values"), mean.getMessage());
        var missing = assertThrows(ConfigException.class, () -> ClipImageProcessor.read(dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
    }
}
