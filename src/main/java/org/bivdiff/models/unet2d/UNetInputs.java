package org.bivdiff.models.unet2d;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bivdiff.models.blocks.DownBlock;
import org.bivdiff.tensor.Tensor;

/**
 * Shape checks of a UNet call, made before any session runs, and the shapes the down path will
 * produce for a given latent size (sides halve, rounding up, at each downsampler, as a stride-2
 * 3x3 conv with padding 1 does).
 */
public final class UNetInputs {

    private UNetInputs() {
    }

    /**
     * Checks an image UNet call and returns the timesteps broadcast to the batch.
     *
     * @param sample              must be (N, inChannels, H, W), H and W >= 1
     * @param timestep            one value, or one per batch element (N)
     * @param encoderHiddenStates must be (N, L, crossAttentionDim)
     * @return (N) timesteps
     */
    public static Tensor check(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, int inChannels,
                               int crossAttentionDim) {
        int[] s = sample.shape();
        if (s.length != 4 || s[1] != inChannels || s[0] < 1 || s[2] < 1 || s[3] < 1) {
            throw new IllegalArgumentException("UNet sample must be (N, " + inChannels + ", H, W) (in_channels = "
                    + inChannels + "), got " + Arrays.toString(s));
        }
        checkText(encoderHiddenStates, s[0], crossAttentionDim);
        return broadcast(timestep, s[0]);
    }

    /** Checks the text embedding: (batch, L, crossAttentionDim). */
    public static void checkText(Tensor encoderHiddenStates, int batch, int crossAttentionDim) {
        int[] e = encoderHiddenStates.shape();
        if (e.length != 3 || e[0] != batch || e[2] != crossAttentionDim || e[1] < 1) {
            throw new IllegalArgumentException("encoder_hidden_states must be (" + batch + ", L, " + crossAttentionDim
                    + ") (batch of the sample, cross_attention_dim = " + crossAttentionDim + "), got "
                    + Arrays.toString(e));
        }
    }

    /** A single timestep repeated {@code n} times, or {@code n} timesteps as they are. */
    public static Tensor broadcast(Tensor timestep, int n) {
        if (timestep.numel() == 1) {
            return Tensor.full(timestep.data()[0], n);
        }
        if (timestep.rank() != 1 || timestep.dim(0) != n) {
            throw new IllegalArgumentException("timestep must be a single value or one per batch element (" + n
                    + "), got " + Arrays.toString(timestep.shape()));
        }
        return timestep;
    }

    /** Shapes of the skip connections (conv_in's first) for a (n, *, h, w) sample. */
    public static List<int[]> resSampleShapes(List<DownBlock> blocks, int convInChannels, int n, int h, int w) {
        List<int[]> shapes = new ArrayList<>();
        shapes.add(new int[] {n, convInChannels, h, w});
        for (DownBlock b : blocks) {
            for (int j = 0; j < b.resSampleCount(); j++) {
                boolean afterDownsampler = b.downsamples() && j == b.resSampleCount() - 1;
                shapes.add(afterDownsampler ? new int[] {n, b.outChannels(), half(h), half(w)}
                        : new int[] {n, b.outChannels(), h, w});
            }
            if (b.downsamples()) {
                h = half(h);
                w = half(w);
            }
        }
        return shapes;
    }

    /**
     * Shapes of the T2I-Adapter features diffusers 0.23 adds per down block: at the block's input
     * size for CrossAttnDownBlock2D (before its downsampler), at its output size for DownBlock2D.
     */
    public static List<int[]> adapterFeatureShapes(List<DownBlock> blocks, int n, int h, int w) {
        List<int[]> shapes = new ArrayList<>();
        for (DownBlock b : blocks) {
            boolean afterBlock = !b.hasCrossAttention() && b.downsamples();
            shapes.add(afterBlock ? new int[] {n, b.outChannels(), half(h), half(w)}
                    : new int[] {n, b.outChannels(), h, w});
            if (b.downsamples()) {
                h = half(h);
                w = half(w);
            }
        }
        return shapes;
    }

    /** Checks each tensor against its expected shape. */
    public static void checkShapes(String what, List<Tensor> actual, List<int[]> expected) {
        if (actual.size() != expected.size()) {
            throw new IllegalArgumentException("expected " + expected.size() + " " + what + ", got " + actual.size());
        }
        for (int i = 0; i < expected.size(); i++) {
            if (!Arrays.equals(actual.get(i).shape(), expected.get(i))) {
                throw new IllegalArgumentException(what + " " + i + " must be " + Arrays.toString(expected.get(i))
                        + " for this sample, got " + Arrays.toString(actual.get(i).shape()));
            }
        }
    }

    static int half(int side) {
        return (side + 1) / 2;
    }
}
