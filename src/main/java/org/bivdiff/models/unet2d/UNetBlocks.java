package org.bivdiff.models.unet2d;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.BlockContext;
import org.bivdiff.models.blocks.BlockHooks;
import org.bivdiff.models.blocks.DownBlock;
import org.bivdiff.models.blocks.UNetBlockConfig;
import org.bivdiff.models.blocks.UNetMidBlock2DCrossAttn;
import org.bivdiff.models.blocks.UpBlock;

/**
 * The down, mid and up blocks of a UNet2DConditionModel config, built as diffusers'
 * {@code UNet2DConditionModel.__init__} builds them (typed, instead of {@code get_down_block}'s
 * string dispatch). ControlNetModel builds its down and mid blocks here too, and the 3D UNet builds its
 * per-frame layers here with temporal layers hooked into every block.
 */
public final class UNetBlocks {

    /**
     * @param hidden     (N, C_last, H_last, W_last): the input of the mid block
     * @param resSamples every skip connection in order, conv_in's output first
     */
    public record DownPath(Value hidden, List<Value> resSamples) {
    }

    private UNetBlocks() {
    }

    /** {@code down_blocks.<i>} of {@code w} (the model's root view). */
    public static List<DownBlock> down(Weights w, UNet2DConditionConfig cfg) {
        return down(w, cfg, BlockHooks.Loader.NONE);
    }

    /** {@code down_blocks.<i>} of {@code w}, each with the layers {@code hooks} loads from its scope. */
    public static List<DownBlock> down(Weights w, UNet2DConditionConfig cfg, BlockHooks.Loader hooks) {
        int[] channels = cfg.blockOutChannels();
        List<DownBlock> blocks = new ArrayList<>();
        int out = channels[0];
        for (int i = 0; i < cfg.levels(); i++) {
            int in = out;
            out = channels[i];
            boolean last = i == cfg.levels() - 1;
            UNetBlockConfig b = block(cfg, i, in, out, 0, cfg.layersPerBlock()[i], cfg.resnetOutScaleFactor(), !last);
            Weights bw = w.child("down_blocks").child(i);
            blocks.add(switch (cfg.downBlockTypes().get(i)) {
                case CROSS_ATTN_DOWN_BLOCK_2D -> DownBlock.crossAttnDownBlock2D(bw, b, hooks);
                case DOWN_BLOCK_2D -> DownBlock.downBlock2D(bw, b, hooks);
            });
        }
        return blocks;
    }

    /** {@code mid_block} of {@code w}: UNetMidBlock2DCrossAttn at the deepest width. */
    public static UNetMidBlock2DCrossAttn mid(Weights w, UNet2DConditionConfig cfg) {
        return mid(w, cfg, BlockHooks.Loader.NONE);
    }

    /** {@code mid_block} of {@code w} with the layers {@code hooks} loads from its scope. */
    public static UNetMidBlock2DCrossAttn mid(Weights w, UNet2DConditionConfig cfg, BlockHooks.Loader hooks) {
        int last = cfg.levels() - 1;
        int c = cfg.blockOutChannels()[last];
        return new UNetMidBlock2DCrossAttn(w.child("mid_block"), block(cfg, last, c, c, 0, 1,
                cfg.midBlockScaleFactor(), false), hooks);
    }

    /** {@code up_blocks.<i>} of {@code w}, from the deepest level. */
    public static List<UpBlock> up(Weights w, UNet2DConditionConfig cfg) {
        return up(w, cfg, BlockHooks.Loader.NONE);
    }

    /** {@code up_blocks.<i>} of {@code w}, each with the layers {@code hooks} loads from its scope. */
    public static List<UpBlock> up(Weights w, UNet2DConditionConfig cfg, BlockHooks.Loader hooks) {
        int n = cfg.levels();
        int[] channels = cfg.blockOutChannels();
        List<UpBlock> blocks = new ArrayList<>();
        int out = channels[n - 1];
        for (int i = 0; i < n; i++) {
            int level = n - 1 - i;                                                   // the reversed lists of diffusers
            int prev = out;
            out = channels[level];
            int in = channels[Math.max(level - 1, 0)];
            boolean last = i == n - 1;
            UNetBlockConfig b = block(cfg, level, in, out, prev, cfg.layersPerBlock()[level] + 1,
                    cfg.resnetOutScaleFactor(), !last);
            Weights bw = w.child("up_blocks").child(i);
            blocks.add(switch (cfg.upBlockTypes().get(i)) {
                case CROSS_ATTN_UP_BLOCK_2D -> UpBlock.crossAttnUpBlock2D(bw, b, hooks);
                case UP_BLOCK_2D -> UpBlock.upBlock2D(bw, b, hooks);
            });
        }
        return blocks;
    }

    /**
     * Runs the down blocks. With T2I-Adapter features, block i gets feature i as diffusers 0.23's
     * {@code down_intrablock_additional_residuals}.
     *
     * @param convInOut       (N, C0, H, W)
     * @param adapterFeatures one per down block, or empty
     */
    public static DownPath runDown(Graph g, List<DownBlock> blocks, Value convInOut, BlockContext ctx,
                                   List<Value> adapterFeatures) {
        if (!adapterFeatures.isEmpty() && adapterFeatures.size() != blocks.size()) {
            throw new IllegalArgumentException("expected one adapter feature per down block (" + blocks.size()
                    + "), got " + adapterFeatures.size());
        }
        List<Value> res = new ArrayList<>();
        res.add(convInOut);
        Value h = convInOut;
        for (int i = 0; i < blocks.size(); i++) {
            Optional<Value> feature = adapterFeatures.isEmpty() ? Optional.empty() : Optional.of(adapterFeatures.get(i));
            DownBlock.Output out = blocks.get(i).forward(g, h, ctx, feature);
            h = out.hidden();
            res.addAll(out.resSamples());
        }
        return new DownPath(h, res);
    }

    /** Channels of each skip connection, in order (conv_in's first). */
    public static List<Integer> resSampleChannels(List<DownBlock> blocks, int convInChannels) {
        List<Integer> channels = new ArrayList<>();
        channels.add(convInChannels);
        for (DownBlock b : blocks) {
            for (int j = 0; j < b.resSampleCount(); j++) {
                channels.add(b.outChannels());
            }
        }
        return channels;
    }

    private static UNetBlockConfig block(UNet2DConditionConfig cfg, int level, int in, int out, int prev, int layers,
                                         double outputScale, boolean resample) {
        return new UNetBlockConfig(in, out, prev, cfg.timeEmbedDim(), layers, cfg.transformerLayersPerBlock()[level],
                cfg.attentionHeads()[level], cfg.crossAttentionDim(), cfg.normNumGroups(), (float) cfg.normEps(),
                cfg.act(), (float) outputScale, cfg.useLinearProjection(), resample, cfg.downsamplePadding());
    }
}
