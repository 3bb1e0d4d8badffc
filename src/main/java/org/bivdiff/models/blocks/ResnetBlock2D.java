package org.bivdiff.models.blocks;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/resnet.py::ResnetBlock2D ({@code time_embedding_norm="default"}):
 * norm1, act, conv1, (+ time_emb_proj(act(temb))), norm2, act, conv2, plus the input through a 1x1
 * {@code conv_shortcut} when the channel count changes, divided by {@code output_scale_factor}.
 */
public final class ResnetBlock2D {

    /**
     * @param in                  input channels
     * @param out                 output channels
     * @param tembChannels        width of the time embedding, or 0 for none (the VAE)
     * @param groups              GroupNorm groups
     * @param eps                 GroupNorm epsilon
     * @param act                 activation
     * @param outputScaleFactor   the sum is divided by this
     */
    public record Config(int in, int out, int tembChannels, int groups, float eps, Activation act,
                         float outputScaleFactor) {
    }

    private final Config cfg;
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut;

    public ResnetBlock2D(Weights w, Config cfg) {
        this.cfg = cfg;
        norm1 = GroupNorm.load(w.child("norm1"), cfg.in(), cfg.groups(), cfg.eps());
        conv1 = Conv2d.load3x3(w.child("conv1"), cfg.in(), cfg.out());
        timeEmbProj = cfg.tembChannels() == 0 ? null : Linear.load(w.child("time_emb_proj"), cfg.tembChannels(), cfg.out());
        norm2 = GroupNorm.load(w.child("norm2"), cfg.out(), cfg.groups(), cfg.eps());
        conv2 = Conv2d.load3x3(w.child("conv2"), cfg.out(), cfg.out());
        convShortcut = cfg.in() == cfg.out() ? null : Conv2d.load1x1(w.child("conv_shortcut"), cfg.in(), cfg.out());
    }

    /**
     * @param x    (N, in, H, W)
     * @param temb (N, tembChannels), or null when the block has no time embedding
     * @return (N, out, H, W)
     */
    public Value forward(Graph g, Value x, Value temb) {
        return forward(g, x, temb, NormScope.PER_SAMPLE);
    }

    /**
     * As {@link #forward(Graph, Value, Value)}, with norm1 / norm2 statistics spanning what
     * {@code norms} says (all frames of a video for BIVDiff's inflated UNet).
     *
     * @param x    (N, in, H, W), or (B*F, in, H, W) for frames folded into the batch
     * @param temb (N, tembChannels), or null when the block has no time embedding
     */
    public Value forward(Graph g, Value x, Value temb, NormScope norms) {
        Value h = cfg.act().apply(g, norm1.forward(g, x, norms));
        h = conv1.forward(g, h);
        if (timeEmbProj != null) {
            Value t = timeEmbProj.forward2d(g, cfg.act().apply(g, temb));             // (N, out)
            h = g.add(h, g.unsqueeze(t, 2, 3));                                          // (N, out, 1, 1)
        }
        h = cfg.act().apply(g, norm2.forward(g, h, norms));
        h = conv2.forward(g, h);
        Value shortcut = convShortcut == null ? x : convShortcut.forward(g, x);
        Value y = g.add(shortcut, h);
        return cfg.outputScaleFactor() == 1f ? y : g.div(y, g.scalar(cfg.outputScaleFactor()));
    }
}
