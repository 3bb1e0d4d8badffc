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
 * (3, 1, 1) kernel over frames) stages on the video, plus the input. Keys {@code conv1.0} /
 * {@code conv1.2} for the first stage's norm and conv, {@code convN.0} / {@code convN.3} for the others
 * (their index 2 is a dropout).
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

    private final List<Stage> stages = new ArrayList<>();

    /** @param channels C, in and out */
    public TemporalConvLayer(Weights w, int channels) {
        for (int i = 1; i <= 4; i++) {
            Weights seq = w.child("conv" + i);
            Weights conv = seq.child(i == 1 ? 2 : 3);
            stages.add(new Stage(GroupNorm.load(seq.child(0), channels, GROUPS, EPS),
                    conv.tensor("weight", channels, channels, 3, 1, 1), conv.tensor("bias", channels)));
        }
    }

    /**
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
        return VideoFrames.fold(g, g.add(identity, h));                             // (B*F, C, H, W)
    }
}
