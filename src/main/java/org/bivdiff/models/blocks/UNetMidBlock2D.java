package org.bivdiff.models.blocks;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/unet_2d_blocks.py::UNetMidBlock2D as the VAE uses it: resnet, then for
 * each layer a single-head spatial self-attention (with its own group norm and a residual) and a
 * resnet.
 */
public final class UNetMidBlock2D {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Attention> attentions = new ArrayList<>();

    /**
     * @param channels      channels in and out
     * @param numLayers     attention + resnet pairs after the first resnet (1 in the VAE)
     * @param addAttention  false drops the attentions ({@code mid_block_add_attention})
     * @param attentionHeadDim channels per head; the VAE uses all channels in one head
     */
    public UNetMidBlock2D(Weights w, int channels, int numLayers, int groups, float eps, Activation act,
                          boolean addAttention, int attentionHeadDim) {
        var resnetCfg = new ResnetBlock2D.Config(channels, channels, 0, groups, eps, act, 1f);
        resnets.add(new ResnetBlock2D(w.child("resnets").child(0), resnetCfg));
        for (int i = 0; i < numLayers; i++) {
            if (addAttention) {
                attentions.add(Attention.load(w.child("attentions").child(i), new Attention.Config(channels, 0,
                        channels / attentionHeadDim, attentionHeadDim, true, groups, eps, true, 1f)));
            }
            resnets.add(new ResnetBlock2D(w.child("resnets").child(i + 1), resnetCfg));
        }
    }

    /** x: (N, C, H, W) -> (N, C, H, W). */
    public Value forward(Graph g, Value x) {
        Value h = resnets.getFirst().forward(g, x, null);
        for (int i = 1; i < resnets.size(); i++) {
            if (!attentions.isEmpty()) {
                h = attentions.get(i - 1).forwardSpatial(g, h);
            }
            h = resnets.get(i).forward(g, h, null);
        }
        return h;
    }
}
