package org.bivdiff.models.blocks;

/**
 * The arguments diffusers' {@code get_down_block} / {@code get_up_block} / mid-block constructors
 * take, for the block types Stable Diffusion uses.
 *
 * @param inChannels          channels in (down, mid); the skip width of the last resnet (up)
 * @param outChannels         channels out
 * @param prevOutputChannels  channels coming from the block below (up blocks only, else 0)
 * @param tembChannels        width of the time embedding
 * @param numLayers           resnets (transformers have as many)
 * @param transformerLayers   BasicTransformerBlocks per Transformer2DModel
 * @param heads               attention heads; the head width is outChannels / heads
 * @param crossAttentionDim   width of the encoder hidden states
 * @param groups              GroupNorm groups
 * @param eps                 resnet GroupNorm epsilon
 * @param act                 resnet activation
 * @param outputScaleFactor   resnet outputs are divided by this
 * @param useLinearProjection Transformer2DModel with linear proj_in / proj_out
 * @param addResample         the block ends with a downsampler (down) or upsampler (up)
 * @param downsamplePadding   padding of the downsampler's stride-2 conv
 */
public record UNetBlockConfig(int inChannels, int outChannels, int prevOutputChannels, int tembChannels,
                              int numLayers, int transformerLayers, int heads, int crossAttentionDim, int groups,
                              float eps, Activation act, float outputScaleFactor, boolean useLinearProjection,
                              boolean addResample, int downsamplePadding) {

    public UNetBlockConfig {
        if (numLayers < 1) {
            throw new IllegalArgumentException("a UNet block needs at least one layer, got " + numLayers);
        }
        if (heads < 1 || outChannels % heads != 0) {
            throw new IllegalArgumentException(outChannels + " channels cannot be split into " + heads
                    + " attention heads");
        }
    }

    /** The resnet of a block. */
    ResnetBlock2D.Config resnet(int in, int out) {
        return new ResnetBlock2D.Config(in, out, tembChannels, groups, eps, act, outputScaleFactor);
    }

    /** The Transformer2DModel of a block over {@code channels}. */
    Transformer2DModel.Config transformer(int channels) {
        return new Transformer2DModel.Config(channels, heads, channels / heads, transformerLayers, crossAttentionDim,
                groups, useLinearProjection);
    }
}
