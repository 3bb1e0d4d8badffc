package org.bivdiff.models.unet3d;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.BasicTransformerBlock;
import org.bivdiff.models.blocks.GroupNorm;
import org.bivdiff.models.blocks.Linear;
import org.bivdiff.models.blocks.VideoFrames;

/**
 * Port of diffusers 0.23 models/transformer_temporal.py::TransformerTemporalModel as the 3D UNet uses
 * it: GroupNorm over the video (statistics across frames), {@code proj_in}, BasicTransformerBlocks
 * attending along the frames of each pixel, {@code proj_out}, plus the input. The UNet never passes
 * text to it, and its blocks are built with {@code double_self_attention}, so {@code attn2} is a second
 * self-attention.
 */
public final class TransformerTemporalModel {

    /** GroupNorm epsilon of transformer_temporal.py. */
    private static final float NORM_EPS = 1e-6f;

    /**
     * @param inChannels C, in and out
     * @param heads      attention heads
     * @param dimHead    channels per head (inner width heads * dimHead)
     * @param layers     transformer blocks
     * @param groups     GroupNorm groups
     */
    public record Config(int inChannels, int heads, int dimHead, int layers, int groups) {
    }

    private final Config cfg;
    private final GroupNorm norm;
    private final Linear projIn;
    private final List<BasicTransformerBlock> transformerBlocks = new ArrayList<>();
    private final Linear projOut;

    public TransformerTemporalModel(Weights w, Config cfg) {
        this.cfg = cfg;
        int inner = cfg.heads() * cfg.dimHead();
        norm = GroupNorm.load(w.child("norm"), cfg.inChannels(), cfg.groups(), NORM_EPS);
        projIn = Linear.load(w.child("proj_in"), cfg.inChannels(), inner);
        for (int i = 0; i < cfg.layers(); i++) {
            transformerBlocks.add(new BasicTransformerBlock(w.child("transformer_blocks").child(i),
                    new BasicTransformerBlock.Config(inner, cfg.heads(), cfg.dimHead(), 0)));
        }
        projOut = Linear.load(w.child("proj_out"), inner, cfg.inChannels());
    }

    /**
     * The tokens are laid out by transposes that each move one axis, which ONNX Runtime copies in blocks
     * where one transpose (B, C, F, H, W) -> (B, H, W, F, C) goes element by element: (B, C, F, HW) ->
     * (B, F, C, HW), then (B, F*C, HW) -> (B, HW, F*C), the reshape between them keeping the optimiser
     * from merging the two; and back by one, (B, HW, F*C) -> (B, F*C, HW).
     *
     * @param x      (B*F, C, H, W)
     * @param frames int64 (1): F
     * @return (B*F, C, H, W)
     */
    public Value forward(Graph g, Value x, Value frames) {
        Value channels = g.longs(cfg.inChannels());
        Value video = VideoFrames.unfold(g, x, frames);                             // (B, C, F, H, W)
        Value batch = VideoFrames.dims(g, video, 0, 1);                             // (1): B
        Value h = g.reshape(norm.forward(g, video, 3), 0, 0, 0, -1);              // (B, C, F, H*W)
        Value pixels = VideoFrames.dims(g, h, 3, 4);                                // (1): H*W
        h = g.transpose(h, 0, 2, 1, 3);                                             // (B, F, C, H*W)
        h = g.reshape(h, g.concat(0, batch, g.longs(-1), pixels));                 // (B, F*C, H*W)
        h = g.transpose(h, 0, 2, 1);                                                // (B, H*W, F*C)
        h = g.reshape(h, g.concat(0, g.longs(-1), frames, channels));              // (B*H*W, F, C)
        h = projIn.forward3d(g, h);                                                 // (B*H*W, F, inner)
        for (BasicTransformerBlock block : transformerBlocks) {
            h = block.forward(g, h, null);                                          // self-attention over F
        }
        h = projOut.forward3d(g, h);                                                // (B*H*W, F, C)
        h = g.reshape(h, g.concat(0, batch, pixels, g.longs(-1)));                 // (B, H*W, F*C)
        h = g.transpose(h, 0, 2, 1);                                                // (B, F*C, H*W)
        h = g.reshape(h, g.shape(x));                                               // (B*F, C, H, W)
        return g.add(h, x);
    }
}
