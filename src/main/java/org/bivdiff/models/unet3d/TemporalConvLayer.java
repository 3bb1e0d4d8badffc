package org.bivdiff.models.unet3d;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Attr;
import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.GroupNorm;
import org.bivdiff.models.blocks.VideoFrames;

/**
 * Port of diffusers 0.23 models/resnet.py::TemporalConvLayer: four (GroupNorm, SiLU, Conv3d with a
 * (3, 1, 1) kernel over frames) stages on the video, plus the input. Two key layouts of the same layer
 * ({@link Layout}): diffusers' {@code conv1.0} / {@code conv1.2} for the first stage's norm and conv,
 * {@code convN.0} / {@code convN.3} for the others (their index 2 is a dropout); and VidRD's flat
 * {@code convs.<4i>} / {@code convs.<4i+3>} (BIVDiff models/ReuseAndDiffuse/model/modules/unet_blocks.py).
 *
 * <p>Reference quirk, reproduced: the GroupNorms have {@value #GROUPS} groups whatever the UNet's
 * {@code norm_num_groups} ({@code nn.GroupNorm(32, dim)} in resnet.py), and being applied to the 5-D
 * {@code (B, C, F, H, W)} tensor their statistics span all frames of a video.
 */
public final class TemporalConvLayer {

    /** {@code nn.GroupNorm(32, ...)}, hard-coded in diffusers' resnet.py. */
    static final int GROUPS = 32;
    /** torch's GroupNorm default epsilon. */
    private static final float EPS = 1e-5f;

    private record Stage(GroupNorm norm, ExternalTensor weight, ExternalTensor bias) {
    }

    /** Where a checkpoint keeps the four stages, and how the layer treats a single frame. */
    public enum Layout {
        /** diffusers 0.23: {@code convN.0} (norm), {@code conv1.2} / {@code convN.3} (conv); x + h for any frame count. */
        DIFFUSERS,
        /**
         * BIVDiff's ReuseAndDiffuse: {@code convs.<4i>} (norm), {@code convs.<4i+3>} (conv), i = 0..3; for a
         * single frame {@code x + 0 * h}, so that the layer leaves images unchanged.
         */
        REUSE_AND_DIFFUSE
    }

    private final Layout layout;
    private final List<Stage> stages = new ArrayList<>();

    /** A layer in diffusers' key layout. @param channels C, in and out */
    public TemporalConvLayer(Weights w, int channels) {
        this(w, channels, Layout.DIFFUSERS);
    }

    /** @param channels C, in and out */
    public TemporalConvLayer(Weights w, int channels, Layout layout) {
        this.layout = layout;
        for (int i = 0; i < 4; i++) {
            Weights norm = layout == Layout.DIFFUSERS ? w.child("conv" + (i + 1)).child(0) : w.child("convs").child(4 * i);
            Weights conv = layout == Layout.DIFFUSERS ? w.child("conv" + (i + 1)).child(i == 0 ? 2 : 3)
                    : w.child("convs").child(4 * i + 3);
            stages.add(new Stage(GroupNorm.load(norm, channels, GROUPS, EPS),
                    conv.tensor("weight", channels, channels, 3, 1, 1), conv.tensor("bias", channels)));
        }
    }

    /**
     * The (3, 1, 1) Conv3d as diffusers runs it. As a (3, 1) Conv2d over (frames, pixels), the same weight bytes
     * viewed as (C, C, 3, 1), ONNX Runtime takes its blocked path instead, which sums the taps in another order.
     * Measured on ZeroScope's UNet3D (one video of 4 frames, 32x32 latents, 2 cores), these layers take 1.16 s of
     * its 8.4 s of kernel time, at about 145 GFLOP/s. The Conv2d form made a forward 5-7% faster (8.2-8.6 s against
     * 8.8-8.9 s), its session 6.6 s slower to create (the weights are rewritten into the blocked layout), with the
     * same resident peak once it had run (6.02 GB against 6.03), and every output element differed (at most 3.2e-6,
     * outputs up to 2.2). Not taken: the results would no longer be the same bits.
     *
     * @param x      (B*F, C, H, W)
     * @param frames int64 (1): F
     * @return (B*F, C, H, W)
     */
    public Value forward(Graph g, Value x, Value frames) {
        Value identity = VideoFrames.unfold(g, x, frames);                          // (B, C, F, H, W)
        Value h = identity;
        for (Stage s : stages) {
            h = g.silu(s.norm().forward(g, h, 3));
            h = g.node("Conv", List.of(h, g.weight(s.weight()), g.weight(s.bias())),   // kernel (3, 1, 1) over F
                    List.of(Attr.ints("pads", 1, 0, 0, 1, 0, 0)));
        }
        if (layout == Layout.REUSE_AND_DIFFUSE) {
            h = g.mul(h, g.cast(g.node("Greater", List.of(frames, g.longs(1)), List.of()), g.computeType()));
        }
        return VideoFrames.fold(g, g.add(identity, h));                             // (B*F, C, H, W)
    }
}
