package org.bivdiff.models.blocks;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Layers a video UNet inserts between the per-frame layers of the 2D blocks. diffusers'
 * models/unet_3d_blocks.py runs {@code temp_convs.<i>} after resnet {@code i} and
 * {@code temp_attentions.<i>} after spatial transformer {@code i}, in every block type; VidRD (BIVDiff's
 * models/ReuseAndDiffuse) also attends over the frames inside each BasicTransformerBlock, after its
 * cross-attention. The 2D blocks call these hooks at exactly those points. Image UNets use {@link #NONE}.
 */
public interface BlockHooks {

    /** No inserted layers: the plain 2D block. */
    BlockHooks NONE = new BlockHooks() {
        @Override
        public Value afterResnet(Graph g, Value h, int index, BlockContext ctx) {
            return h;
        }

        @Override
        public Value afterAttention(Graph g, Value h, int index, BlockContext ctx) {
            return h;
        }
    };

    /**
     * @param h     (B*F, C, H, W): the output of resnet {@code index} of the block
     * @return (B*F, C, H, W)
     */
    Value afterResnet(Graph g, Value h, int index, BlockContext ctx);

    /**
     * @param h     (B*F, C, H, W): the output of spatial transformer {@code index} of the block
     * @return (B*F, C, H, W)
     */
    Value afterAttention(Graph g, Value h, int index, BlockContext ctx);

    /**
     * Inside BasicTransformerBlock {@code layer} of spatial transformer {@code attention} of the block,
     * between its cross-attention and its feed-forward; the identity unless a video UNet inserts a layer there.
     *
     * @param tokens (B*F, H*W, C): the residual stream after the cross-attention
     * @return (B*F, H*W, C)
     */
    default Value afterCrossAttention(Graph g, Value tokens, int attention, int layer, BlockContext ctx) {
        return tokens;
    }

    /** Loads a block's hooks from the block's own weights view (e.g. {@code down_blocks.0}) as the block is built. */
    @FunctionalInterface
    interface Loader {

        /** Loads nothing: every block gets {@link BlockHooks#NONE}. */
        Loader NONE = (block, cfg, resnets, attentions) -> BlockHooks.NONE;

        /**
         * @param block      the block's weights view
         * @param cfg        the block's config; its {@code outChannels} is the width of every hooked layer
         * @param resnets    resnets in the block (hooks {@code 0 .. resnets-1} after them)
         * @param attentions spatial transformers in the block
         */
        BlockHooks load(Weights block, UNetBlockConfig cfg, int resnets, int attentions);
    }
}
