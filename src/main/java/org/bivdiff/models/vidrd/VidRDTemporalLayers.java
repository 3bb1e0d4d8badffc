package org.bivdiff.models.vidrd;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.BlockContext;
import org.bivdiff.models.blocks.BlockHooks;
import org.bivdiff.models.blocks.UNetBlockConfig;
import org.bivdiff.models.unet3d.TemporalConvLayer;

/**
 * The temporal layers of one block of VidRD's UNet (BIVDiff models/ReuseAndDiffuse/model/modules/unet_blocks.py
 * and attention.py): {@code temp_convs.<i>} (a {@link TemporalConvLayer} in the ReuseAndDiffuse key layout)
 * directly after resnet {@code i}, before the following transformer, and a {@link TemporalAttention} in every
 * BasicTransformerBlock ({@code attentions.<i>.transformer_blocks.<j>}) after its cross-attention. The temporal
 * attention has the spatial transformer's heads and head width; there is none in blocks without transformers.
 */
final class VidRDTemporalLayers implements BlockHooks {

    private final List<TemporalConvLayer> tempConvs = new ArrayList<>();
    private final List<List<TemporalAttention>> tempAttentions = new ArrayList<>();

    private VidRDTemporalLayers(Weights w, UNetBlockConfig cfg, int resnets, int attentions,
                                VidRDUNet3DConditionModel.Options options) {
        int c = cfg.outChannels();
        if (options.addTempConv()) {
            for (int i = 0; i < resnets; i++) {
                tempConvs.add(new TemporalConvLayer(w.child("temp_convs").child(i), c,
                        TemporalConvLayer.Layout.REUSE_AND_DIFFUSE));
            }
        }
        for (int i = 0; i < attentions; i++) {
            List<TemporalAttention> layers = new ArrayList<>();
            for (int j = 0; j < cfg.transformerLayers(); j++) {
                layers.add(new TemporalAttention(w.child("attentions").child(i).child("transformer_blocks").child(j), c,
                        cfg.heads(), options.addTempEmbed(), options.singleFrame()));
            }
            tempAttentions.add(layers);
        }
    }

    /** The loader of every block's temporal layers. */
    static BlockHooks.Loader loader(VidRDUNet3DConditionModel.Options options) {
        return (w, cfg, resnets, attentions) -> new VidRDTemporalLayers(w, cfg, resnets, attentions, options);
    }

    @Override
    public Value afterResnet(Graph g, Value h, int index, BlockContext ctx) {
        return tempConvs.isEmpty() ? h : tempConvs.get(index).forward(g, h, ctx.requireFrames());
    }

    @Override
    public Value afterAttention(Graph g, Value h, int index, BlockContext ctx) {
        return h;
    }

    @Override
    public Value afterCrossAttention(Graph g, Value tokens, int attention, int layer, BlockContext ctx) {
        return tempAttentions.get(attention).get(layer).forward(g, tokens, ctx.requireFrames());
    }
}
