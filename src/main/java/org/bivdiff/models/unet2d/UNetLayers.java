package org.bivdiff.models.unet2d;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.AttentionProcessor;
import org.bivdiff.models.blocks.BlockContext;
import org.bivdiff.models.blocks.BlockHooks;
import org.bivdiff.models.blocks.Conv2d;
import org.bivdiff.models.blocks.DownBlock;
import org.bivdiff.models.blocks.GroupNorm;
import org.bivdiff.models.blocks.NormScope;
import org.bivdiff.models.blocks.TimestepEmbedding;
import org.bivdiff.models.blocks.Timesteps;
import org.bivdiff.models.blocks.UNetMidBlock2DCrossAttn;
import org.bivdiff.models.blocks.UpBlock;

/**
 * Every layer of a UNet2DConditionModel, loaded from its diffusers keys ({@code conv_in},
 * {@code time_embedding}, {@code down_blocks}, {@code mid_block}, {@code up_blocks},
 * {@code conv_norm_out}, {@code conv_out}), and the forward pass of diffusers 0.23
 * models/unet_2d_condition.py over them. Shared by the image UNet and BIVDiff's inflated UNet.
 */
final class UNetLayers {

    /**
     * The optional extra inputs of a forward pass.
     *
     * @param downBlockAdditionalResiduals ControlNet: one per skip connection, added to it (or empty)
     * @param midBlockAdditionalResidual   ControlNet: added to the mid block's output
     * @param downIntrablockAdditionalResiduals T2I-Adapter: one feature per down block (or empty)
     */
    record Extras(List<Value> downBlockAdditionalResiduals, Optional<Value> midBlockAdditionalResidual,
                  List<Value> downIntrablockAdditionalResiduals) {

        static final Extras NONE = new Extras(List.of(), Optional.empty(), List.of());
    }

    private final UNet2DConditionConfig cfg;
    private final Conv2d convIn;
    private final Timesteps timeProj;
    private final TimestepEmbedding timeEmbedding;
    private final List<DownBlock> downBlocks;
    private final UNetMidBlock2DCrossAttn midBlock;
    private final List<UpBlock> upBlocks;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    UNetLayers(Weights w, UNet2DConditionConfig cfg) {
        this(w, cfg, BlockHooks.Loader.NONE);
    }

    /** The layers with what {@code hooks} loads inserted into every block (a video UNet's temporal layers). */
    UNetLayers(Weights w, UNet2DConditionConfig cfg, BlockHooks.Loader hooks) {
        this.cfg = cfg;
        int c0 = cfg.blockOutChannels()[0];
        convIn = Conv2d.load(w.child("conv_in"), cfg.inChannels(), c0, cfg.convInKernel(), 1,
                (cfg.convInKernel() - 1) / 2);
        timeProj = new Timesteps(c0, cfg.flipSinToCos(), cfg.freqShift());
        timeEmbedding = new TimestepEmbedding(w.child("time_embedding"), c0, cfg.timeEmbedDim(), cfg.act());
        downBlocks = UNetBlocks.down(w, cfg, hooks);
        midBlock = UNetBlocks.mid(w, cfg, hooks);
        upBlocks = UNetBlocks.up(w, cfg, hooks);
        convNormOut = GroupNorm.load(w.child("conv_norm_out"), c0, cfg.normNumGroups(), (float) cfg.normEps());
        convOut = Conv2d.load(w.child("conv_out"), c0, cfg.outChannels(), cfg.convOutKernel(), 1,
                (cfg.convOutKernel() - 1) / 2);
    }

    List<DownBlock> downBlocks() {
        return downBlocks;
    }

    /**
     * @param sample              (N, in, H, W)
     * @param timestep            (N) float
     * @param encoderHiddenStates (N, L, cross_attention_dim)
     * @param norms               GroupNorm statistics of the resnets and conv_norm_out
     * @return (N, out, H, W)
     */
    Value forward(Graph g, Value sample, Value timestep, Value encoderHiddenStates, NormScope norms, Extras extras) {
        return forward(g, sample, timestep, encoderHiddenStates, norms, extras, AttentionProcessor.FUSED);
    }

    /**
     * As {@link #forward(Graph, Value, Value, Value, NormScope, Extras)}, every attention through
     * {@code attention}.
     */
    Value forward(Graph g, Value sample, Value timestep, Value encoderHiddenStates, NormScope norms, Extras extras,
                  AttentionProcessor attention) {
        return forward(g, sample, timestep, encoderHiddenStates, norms, Optional.empty(), extras, attention);
    }

    /**
     * As {@link #forward(Graph, Value, Value, Value, NormScope, Extras, AttentionProcessor)} on the frames of
     * videos folded into the batch (N = B*F), {@code frames} (int64 (1): F) given to the blocks' temporal layers.
     */
    Value forward(Graph g, Value sample, Value timestep, Value encoderHiddenStates, NormScope norms,
                  Optional<Value> frames, Extras extras, AttentionProcessor attention) {
        // 1. time
        Value emb = timeEmbedding.forward(g, timeProj.forward(g, timestep));        // (N, 4 * C0)
        BlockContext ctx = new BlockContext(emb, encoderHiddenStates, norms, frames, attention);
        // 2. pre-process
        Value h = cfg.centerInputSample() ? g.sub(g.mul(sample, g.scalar(2f)), g.scalar(1f)) : sample;
        h = convIn.forward(g, h);                                                    // (N, C0, H, W)
        // 3. down
        UNetBlocks.DownPath down = UNetBlocks.runDown(g, downBlocks, h, ctx, extras.downIntrablockAdditionalResiduals());
        List<Value> res = addAll(g, down.resSamples(), extras.downBlockAdditionalResiduals());
        // 4. mid
        h = midBlock.forward(g, down.hidden(), ctx);
        if (extras.midBlockAdditionalResidual().isPresent()) {
            h = g.add(h, extras.midBlockAdditionalResidual().get());
        }
        // 5. up: each block takes its skips from the end; the next skip gives the upsampling size
        for (UpBlock block : upBlocks) {
            List<Value> mine = new ArrayList<>(res.subList(res.size() - block.resnetCount(), res.size()));
            res = new ArrayList<>(res.subList(0, res.size() - block.resnetCount()));
            Optional<Value> upsampleTo = res.isEmpty() ? Optional.empty() : Optional.of(res.getLast());
            h = block.forward(g, h, mine, ctx, upsampleTo);
        }
        // 6. post-process
        h = cfg.act().apply(g, convNormOut.forward(g, h, norms));
        return convOut.forward(g, h);
    }

    /**
     * The attention layers a forward pass on an (N, *, h, w) sample meets, in call order. Down blocks attend at
     * their input size, the mid block at the deepest size, and each up block at the size it receives, which
     * its upsampler changes to the size of the next skip connection (as {@link #forward} does).
     */
    List<AttentionLayer> attentionLayers(int h, int w) {
        List<AttentionLayer> out = new ArrayList<>();
        List<int[]> res = UNetInputs.resSampleShapes(downBlocks, cfg.blockOutChannels()[0], 1, h, w);
        for (DownBlock block : downBlocks) {
            addLayers(out, AttentionLayer.Place.DOWN, block.transformerHeads(), h * w);
            if (block.downsamples()) {
                h = UNetInputs.half(h);
                w = UNetInputs.half(w);
            }
        }
        addLayers(out, AttentionLayer.Place.MID, midBlock.transformerHeads(), h * w);
        for (UpBlock block : upBlocks) {
            addLayers(out, AttentionLayer.Place.UP, block.transformerHeads(), h * w);
            res = res.subList(0, res.size() - block.resnetCount());
            if (block.upsamples() && !res.isEmpty()) {
                h = res.getLast()[2];
                w = res.getLast()[3];
            }
        }
        return out;
    }

    /** Each BasicTransformerBlock: attn1 (self), then attn2 (cross). */
    private static void addLayers(List<AttentionLayer> out, AttentionLayer.Place place, List<Integer> heads,
                                  int queryLength) {
        for (int h : heads) {
            out.add(new AttentionLayer(place, false, queryLength, h));
            out.add(new AttentionLayer(place, true, queryLength, h));
        }
    }

    private static List<Value> addAll(Graph g, List<Value> res, List<Value> additional) {
        if (additional.isEmpty()) {
            return res;
        }
        if (additional.size() != res.size()) {
            throw new IllegalArgumentException("expected " + res.size() + " down block residuals, got "
                    + additional.size());
        }
        List<Value> out = new ArrayList<>();
        for (int i = 0; i < res.size(); i++) {
            out.add(g.add(res.get(i), additional.get(i)));
        }
        return out;
    }
}
