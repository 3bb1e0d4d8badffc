package org.bivdiff.models.vae;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Conv2d;
import org.bivdiff.models.blocks.GroupNorm;
import org.bivdiff.models.blocks.ResnetBlock2D;
import org.bivdiff.models.blocks.UNetMidBlock2D;
import org.bivdiff.models.blocks.Upsample2D;

/**
 * Port of diffusers models/vae.py::Decoder: conv_in, the mid block, UpDecoderBlock2D per level from
 * the deepest (layers_per_block + 1 resnets, then a nearest x2 upsampler except on the last level),
 * norm, act, conv_out.
 */
final class Decoder {

    private static final float EPS = 1e-6f;

    private final AutoencoderKLConfig cfg;
    private final Conv2d convIn;
    private final UNetMidBlock2D midBlock;
    private final List<List<ResnetBlock2D>> resnets = new ArrayList<>();
    private final List<Upsample2D> upsamplers = new ArrayList<>();
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    Decoder(Weights w, AutoencoderKLConfig cfg) {
        this.cfg = cfg;
        int[] channels = cfg.blockOutChannels();
        int levels = channels.length;
        int last = channels[levels - 1];
        convIn = Conv2d.load3x3(w.child("conv_in"), cfg.latentChannels(), last);
        midBlock = new UNetMidBlock2D(w.child("mid_block"), last, 1, cfg.normNumGroups(), EPS, cfg.act(),
                cfg.midBlockAddAttention(), last);
        int out = last;
        for (int i = 0; i < levels; i++) {
            int in = out;
            out = channels[levels - 1 - i];
            Weights block = w.child("up_blocks").child(i);
            List<ResnetBlock2D> level = new ArrayList<>();
            for (int j = 0; j < cfg.layersPerBlock() + 1; j++) {
                level.add(new ResnetBlock2D(block.child("resnets").child(j), new ResnetBlock2D.Config(
                        j == 0 ? in : out, out, 0, cfg.normNumGroups(), EPS, cfg.act(), 1f)));
            }
            resnets.add(level);
            if (i < levels - 1) {
                upsamplers.add(new Upsample2D(block.child("upsamplers").child(0), out, out));
            }
        }
        convNormOut = GroupNorm.load(w.child("conv_norm_out"), channels[0], cfg.normNumGroups(), EPS);
        convOut = Conv2d.load3x3(w.child("conv_out"), channels[0], cfg.outChannels());
    }

    /** z: (N, latent, h, w) after post_quant_conv -> image (N, out, h * f, w * f). */
    Value forward(Graph g, Value z) {
        Value h = midBlock.forward(g, convIn.forward(g, z));
        for (int i = 0; i < resnets.size(); i++) {
            for (ResnetBlock2D r : resnets.get(i)) {
                h = r.forward(g, h, null);
            }
            if (i < upsamplers.size()) {
                h = upsamplers.get(i).forward(g, h);
            }
        }
        h = cfg.act().apply(g, convNormOut.forward(g, h));
        return convOut.forward(g, h);
    }
}
