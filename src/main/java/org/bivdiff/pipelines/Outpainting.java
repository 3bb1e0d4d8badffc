package org.bivdiff.pipelines;

import java.util.Objects;

import org.bivdiff.tensor.Tensor;

/**
 * Outpainting as BIVDiff does it (models/StableDiffusionInpainting/infer.py, {@code prepare_outpainting_mask}):
 * inpainting with a mask that repaints two border bands and keeps the centre. Any other mask goes straight to
 * {@link InpaintPipeline}.
 */
public final class Outpainting {

    /** Which borders are repainted. */
    public enum Direction {
        /** the left and right quarters: columns {@code [0, W // 4)} and {@code [W // 4 * 3, W)} */
        VERTICAL,
        /** the top and bottom quarters: rows {@code [0, H // 4)} and {@code [H // 4 * 3, H)} */
        HORIZONTAL
    }

    /**
     * @param prompt    the texts
     * @param image     (F, 3, H, W) in [0, 1]
     * @param direction which borders to repaint
     * @param sampling  scheduler, steps, guidance, noise
     */
    public record Request(Prompt prompt, Tensor image, Direction direction, Sampling sampling) {

        public Request {
            Objects.requireNonNull(direction, "direction");
        }
    }

    private final InpaintPipeline inpaint;

    public Outpainting(StableDiffusionModels models) {
        this.inpaint = new InpaintPipeline(models);
    }

    /** Inpaints the border bands of {@code direction} at strength 1. */
    public InpaintPipeline.Result run(Request r) {
        // 1. The border mask, shared by every frame
        Tensor mask = mask(r.direction(), r.image().dim(2), r.image().dim(3));
        // 2. Inpaint
        return inpaint.run(new InpaintPipeline.Request(r.prompt(), r.image(), mask, 1.0, r.sampling()));
    }

    /**
     * BIVDiff's outpainting mask: 1 (repaint) on the two border bands of {@code direction}, 0 elsewhere. Its
     * uint8 -> [-1, 1] -> PIL round trip maps 0 / 255 back to 0 / 1 exactly, so the mask is used as is.
     *
     * @return (1, 1, height, width)
     */
    public static Tensor mask(Direction direction, int height, int width) {
        float[] m = new float[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean border = switch (direction) {
                    case VERTICAL -> x < width / 4 || x >= width / 4 * 3;
                    case HORIZONTAL -> y < height / 4 || y >= height / 4 * 3;
                };
                m[y * width + x] = border ? 1f : 0f;
            }
        }
        return Tensor.of(m, 1, 1, height, width);
    }
}
