package org.bivdiff.media;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;
import org.bivdiff.tensor.Tensor;

/**
 * Port of transformers models/clip/image_processing_clip.py::CLIPImageProcessor (4.30), the image side of
 * CLIP's processor, in its order: RGB conversion, resize of the shortest edge (Pillow's resampling,
 * {@link Resize}, {@code reducing_gap=None}), centre crop, rescale, normalise, channels first.
 *
 * <p>The arithmetic is the reference's: the resize is Pillow's 8-bit fixed-point passes; the crop starts at
 * {@code (h - crop_h) // 2} (floor division) and pads with zeros where the image is smaller than the crop
 * (image_transforms.py {@code center_crop}); rescaling is {@code float32(uint8 * rescale_factor)} with the
 * product in float64 (numpy's {@code uint8 * float}); normalisation is {@code (x - mean) / std} in float32
 * with mean and std rounded to float32 ({@code np.array(mean, dtype=image.dtype)}).
 *
 * <p>Sizes come from {@code preprocessor_config.json}, in both spellings transformers reads: the current one
 * ({@code "size": {"shortest_edge": 224}, "crop_size": {"height": 224, "width": 224}}) and the older
 * {@code CLIPFeatureExtractor} one of {@code openai/clip-vit-large-patch14} ({@code "size": 224, "crop_size": 224}).
 */
public final class ClipImageProcessor {

    /** transformers' {@code OPENAI_CLIP_MEAN} and {@code OPENAI_CLIP_STD}, the defaults. */
    private static final double[] OPENAI_CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    private static final double[] OPENAI_CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    /**
     * The processor's settings.
     *
     * @param doConvertRgb  grey images to RGB first
     * @param doResize      resize so that the shortest edge is {@code shortestEdge}
     * @param shortestEdge  the short side after resizing
     * @param resample      the resize filter
     * @param doCenterCrop  crop {@code cropHeight x cropWidth} from the centre
     * @param cropHeight    crop rows
     * @param cropWidth     crop columns
     * @param doRescale     multiply by {@code rescaleFactor}
     * @param rescaleFactor 1/255 for CLIP
     * @param doNormalize   subtract {@code imageMean}, divide by {@code imageStd}, per channel
     * @param imageMean     per-channel mean, 3 values
     * @param imageStd      per-channel standard deviation, 3 values
     */
    public record Config(boolean doConvertRgb, boolean doResize, int shortestEdge, Resize.Filter resample,
                         boolean doCenterCrop, int cropHeight, int cropWidth, boolean doRescale, double rescaleFactor,
                         boolean doNormalize, double[] imageMean, double[] imageStd) {

        public Config {
            if (doResize && shortestEdge <= 0 || doCenterCrop && (cropHeight <= 0 || cropWidth <= 0)) {
                throw new IllegalArgumentException("sizes must be positive: shortest_edge " + shortestEdge
                        + ", crop_size " + cropHeight + "x" + cropWidth);
            }
            if (imageMean.length != 3 || imageStd.length != 3) {
                throw new IllegalArgumentException("image_mean and image_std need 3 values (RGB), got "
                        + Arrays.toString(imageMean) + " and " + Arrays.toString(imageStd));
            }
            if (doNormalize && !doRescale) {
                // transformers would normalise uint8 pixels with uint8-rounded mean and std (0 and 0).
                throw new IllegalArgumentException("do_normalize without do_rescale is not supported");
            }
            imageMean = imageMean.clone();
            imageStd = imageStd.clone();
        }
    }

    private final Config config;

    public ClipImageProcessor(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /**
     * Reads {@code preprocessor_config.json} ({@code path} is the file or the model folder holding it);
     * missing keys take {@code CLIPImageProcessor}'s defaults.
     *
     * @throws IOException naming the file and key for a missing file, an unknown key or a bad value
     */
    public static ClipImageProcessor read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve("preprocessor_config.json") : path;
        ConfigJson c = ConfigJson.read(file);
        int shortestEdge;
        if (c.isObject("size")) {
            ConfigJson size = c.object("size");
            shortestEdge = size.integer("shortest_edge");
            size.finish();
        } else {
            shortestEdge = c.integer("size", 224);
        }
        int cropHeight;
        int cropWidth;
        if (c.isObject("crop_size")) {
            ConfigJson crop = c.object("crop_size");
            cropHeight = crop.integer("height");
            cropWidth = crop.integer("width");
            crop.finish();
        } else {
            cropHeight = c.integer("crop_size", 224);
            cropWidth = cropHeight;
        }
        double[] mean = c.has("image_mean") ? c.numbers("image_mean") : OPENAI_CLIP_MEAN;
        double[] std = c.has("image_std") ? c.numbers("image_std") : OPENAI_CLIP_STD;
        Config cfg;
        try {
            cfg = new Config(c.bool("do_convert_rgb", true), c.bool("do_resize", true), shortestEdge,
                    pilFilter(c.integer("resample", 3)), c.bool("do_center_crop", true), cropHeight, cropWidth,
                    c.bool("do_rescale", true), c.number("rescale_factor", 1.0 / 255), c.bool("do_normalize", true),
                    mean, std);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
        c.ignore("image_mean", "image_std", "image_processor_type", "feature_extractor_type", "processor_class");
        c.finish();
        return new ClipImageProcessor(cfg);
    }

    /** PIL's resampling constants ({@code Image.Resampling}) as {@link Resize.Filter}s. */
    private static Resize.Filter pilFilter(int resample) {
        return switch (resample) {
            case 1 -> Resize.Filter.LANCZOS;
            case 2 -> Resize.Filter.BILINEAR;
            case 3 -> Resize.Filter.BICUBIC;
            default -> throw new IllegalArgumentException("resample " + resample + " is not supported (1 LANCZOS, "
                    + "2 BILINEAR, 3 BICUBIC)");
        };
    }

    /**
     * Every step: {@code processor(images=images).pixel_values}.
     *
     * @return (N, 3, cropHeight, cropWidth) (without the crop, the resized size, which must then agree)
     */
    public Tensor preprocess(List<Image8> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to preprocess");
        }
        return normalize(images.stream().map(i -> centerCrop(resize(config.doConvertRgb() ? i.toRgb() : i))).toList());
    }

    /**
     * The resize step: shortest edge to {@code shortestEdge}, the long edge to
     * {@code int(shortest_edge * long / short)} (get_resize_output_image_size); the image itself when the short
     * edge already has that size, as Pillow returns a copy then.
     */
    public Image8 resize(Image8 image) {
        if (!config.doResize()) {
            return image;
        }
        boolean portrait = image.width() <= image.height();
        int shortSide = portrait ? image.width() : image.height();
        int longSide = portrait ? image.height() : image.width();
        int s = config.shortestEdge();
        if (s == shortSide) {
            return image;
        }
        int newLong = (int) ((double) ((long) s * longSide) / shortSide);
        return portrait ? Resize.resize(image, s, newLong, config.resample())
                : Resize.resize(image, newLong, s, config.resample());
    }

    /**
     * The centre-crop step. Where the image is smaller than the crop, transformers pads it with zeros and
     * slices the padded image; when the shortfall is odd, its slice ends one row (column) early, so the result
     * is one smaller than the crop (image_transforms.py {@code center_crop}, 4.30). That is reproduced: the
     * vision model then refuses the size, as it would in the reference.
     */
    public Image8 centerCrop(Image8 image) {
        if (!config.doCenterCrop()) {
            return image;
        }
        int h = image.height();
        int w = image.width();
        int[] rows = cropRange(h, config.cropHeight());
        int[] cols = cropRange(w, config.cropWidth());
        int outH = rows[1] - rows[0];
        int outW = cols[1] - cols[0];
        int c = image.channels();
        byte[] out = new byte[outH * outW * c];
        for (int y = 0; y < outH; y++) {
            int srcY = rows[0] + y - rows[2];
            for (int x = 0; x < outW; x++) {
                int srcX = cols[0] + x - cols[2];
                if (srcY >= 0 && srcY < h && srcX >= 0 && srcX < w) {
                    System.arraycopy(image.pixels(), (srcY * w + srcX) * c, out, (y * outW + x) * c, c);
                }
            }
        }
        return new Image8(outH, outW, c, out);
    }

    /**
     * One axis of {@code center_crop}: {@code [start, end)} in the zero-padded image and the padding before the
     * image in it ({@code {start, end, pad}}); without padding, the plain centre window.
     */
    private static int[] cropRange(int size, int crop) {
        int start = Math.floorDiv(size - crop, 2);
        int end = start + crop;
        if (start >= 0 && end <= size) {
            return new int[] {start, end, 0};
        }
        int padded = Math.max(crop, size);
        int pad = (padded - size) / 2;
        return new int[] {Math.max(0, start + pad), Math.min(padded, end + pad), pad};
    }

    /**
     * The rescale and normalise steps, channels first.
     *
     * @param images equal-size RGB images
     * @return (N, 3, H, W) float32
     */
    public Tensor normalize(List<Image8> images) {
        Image8 first = images.getFirst();
        int h = first.height();
        int w = first.width();
        int plane = h * w;
        float[] mean = new float[3];
        float[] std = new float[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = (float) config.imageMean()[c];
            std[c] = (float) config.imageStd()[c];
        }
        float[] out = new float[images.size() * 3 * plane];
        for (int n = 0; n < images.size(); n++) {
            Image8 img = images.get(n);
            if (img.channels() != 3 || !img.sameSize(first)) {
                throw new IllegalArgumentException("image " + n + " is " + img + "; the batch needs RGB images of "
                        + first.size());
            }
            byte[] px = img.pixels();
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < 3; c++) {
                    int u8 = px[i * 3 + c] & 0xFF;
                    float v = config.doRescale() ? (float) (u8 * config.rescaleFactor()) : u8;
                    if (config.doNormalize()) {
                        v = (v - mean[c]) / std[c];
                    }
                    out[(n * 3 + c) * plane + i] = v;
                }
            }
        }
        return Tensor.of(out, images.size(), 3, h, w);
    }
}
