package org.bivdiff.models.vae;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Conv2d;
import org.bivdiff.models.blocks.Downsample2D;
import org.bivdiff.models.blocks.GroupNorm;
import org.bivdiff.models.blocks.ResnetBlock2D;
import org.bivdiff.models.blocks.UNetMidBlock2D;

/**
 * Port of diffusers models/vae.py::Encoder (double_z): conv_in, DownEncoderBlock2D per level
 * (resnets, then a padded stride-2 downsampler except on the last level), the mid block, norm, act,
 * conv_out to 2 x latent channels (mean and log-variance).
 */
final class Encoder {

    private static final float EPS = 1e-6f;

    private final AutoencoderKLConfig cfg;
    private final Conv2d convIn;
    private final List<List<ResnetBlock2D>> resnets = new ArrayList<>();
    private final List<Downsample2D> downsamplers = new ArrayList<>();
    private final UNetMidBlock2D midBlock;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    Encoder(Weights w, AutoencoderKLConfig cfg) {
        this.cfg = cfg;
        int[] channels = cfg.blockOutChannels();
        convIn = Conv2d.load3x3(w.child("conv_in"), cfg.inChannels(), channels[0]);
        int out = channels[0];
        for (int i = 0; i < channels.length; i++) {
            int in = out;
            out = channels[i];
            Weights block = w.child("down_blocks").child(i);
            List<ResnetBlock2D> level = new ArrayList<>();
            for (int j = 0; j < cfg.layersPerBlock(); j++) {
                level.add(new ResnetBlock2D(block.child("resnets").child(j), new ResnetBlock2D.Config(
                        j == 0 ? in : out, out, 0, cfg.normNumGroups(), EPS, cfg.act(), 1f)));
            }
            resnets.add(level);
            if (i < channels.length - 1) {
                downsamplers.add(new Downsample2D(block.child("downsamplers").child(0), out, out, 0));
            }
        }
        int last = channels[channels.length - 1];
        midBlock = new UNetMidBlock2D(w.child("mid_block"), last, 1, cfg.normNumGroups(), EPS, cfg.act(),
                cfg.midBlockAddAttention(), last);
        convNormOut = GroupNorm.load(w.child("conv_norm_out"), last, cfg.normNumGroups(), EPS);
        convOut = Conv2d.load3x3(w.child("conv_out"), last, 2 * cfg.latentChannels());
    }

    /** image: (N, in, H, W) -> moments (N, 2 * latent, H / f, W / f). */
    Value forward(Graph g, Value image) {
        Value h = convIn.forward(g, image);
        for (int i = 0; i < resnets.size(); i++) {
            for (ResnetBlock2D r : resnets.get(i)) {
                h = r.forward(g, h, null);
            }
            if (i < downsamplers.size()) {
                h = downsamplers.get(i).forward(g, h);
            }
        }
        h = midBlock.forward(g, h);
        h = cfg.act().apply(g, convNormOut.forward(g, h));
        return convOut.forward(g, h);
    }
}
