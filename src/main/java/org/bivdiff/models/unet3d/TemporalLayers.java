package org.bivdiff.models.unet3d;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.BlockContext;
import org.bivdiff.models.blocks.BlockHooks;
import org.bivdiff.models.blocks.UNetBlockConfig;

/**
 * The temporal layers of one block of diffusers' models/unet_3d_blocks.py: {@code temp_convs.<i>}
 * (a {@link TemporalConvLayer} after resnet i) and {@code temp_attentions.<i>} (a
 * {@link TransformerTemporalModel} after spatial transformer i, one layer, with the spatial
 * transformer's heads and head width and the resnets' GroupNorm groups).
 */
final class TemporalLayers implements BlockHooks {

    /** Loads the temporal layers of every block from its own weights view. */
    static final BlockHooks.Loader LOADER = TemporalLayers::new;

    private final List<TemporalConvLayer> tempConvs = new ArrayList<>();
    private final List<TransformerTemporalModel> tempAttentions = new ArrayList<>();

    private TemporalLayers(Weights w, UNetBlockConfig cfg, int resnets, int attentions) {
        int c = cfg.outChannels();
        for (int i = 0; i < resnets; i++) {
            tempConvs.add(new TemporalConvLayer(w.child("temp_convs").child(i), c));
        }
        var temporal = new TransformerTemporalModel.Config(c, cfg.heads(), c / cfg.heads(), 1, cfg.groups());
        for (int i = 0; i < attentions; i++) {
            tempAttentions.add(new TransformerTemporalModel(w.child("temp_attentions").child(i), temporal));
        }
    }

    @Override
    public Value afterResnet(Graph g, Value h, int index, BlockContext ctx) {
        return tempConvs.get(index).forward(g, h, ctx.requireFrames());
    }

    @Override
    public Value afterAttention(Graph g, Value h, int index, BlockContext ctx) {
        return tempAttentions.get(index).forward(g, h, ctx.requireFrames());
    }
}
