package org.bivdiff.models.unet2d;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;
import org.bivdiff.models.blocks.Activation;

/**
 * The {@code config.json} of diffusers' UNet2DConditionModel (0.23), restricted to what Stable
 * Diffusion 1.x / 2.x, InstructPix2Pix and inpainting UNets use; every other option fails when read.
 * ControlNet shares the down and mid half ({@link #readDownAndMid}); its config then has no up blocks.
 *
 * @param inChannels                latent channels in (4; 8 InstructPix2Pix; 9 inpainting)
 * @param outChannels               channels out (0 when there is no up path)
 * @param centerInputSample         the sample is mapped by {@code 2 x - 1} first
 * @param flipSinToCos              timestep embedding as [cos, sin]
 * @param freqShift                 timestep embedding frequency shift
 * @param downBlockTypes            one per level
 * @param upBlockTypes              one per level, from the deepest (empty when there is no up path)
 * @param blockOutChannels          channels per level
 * @param layersPerBlock            resnets per down level (the up levels have one more)
 * @param downsamplePadding         padding of the stride-2 downsampling convs
 * @param midBlockScaleFactor       the mid block's resnet output scale
 * @param act                       activation
 * @param normNumGroups             GroupNorm groups
 * @param normEps                   GroupNorm epsilon
 * @param crossAttentionDim         width of the text embedding
 * @param transformerLayersPerBlock BasicTransformerBlocks per Transformer2DModel, per level
 * @param attentionHeads            attention heads per level ({@code num_attention_heads}, or SD's
 *                                  misnamed {@code attention_head_dim})
 * @param useLinearProjection       Transformer2DModel with linear proj_in / proj_out (SD 2.x)
 * @param upcastAttention           attention logits in float32; no effect on a float32 graph
 * @param resnetOutScaleFactor      the down and up blocks' resnet output scale
 * @param convInKernel              kernel of conv_in
 * @param convOutKernel             kernel of conv_out
 */
public record UNet2DConditionConfig(int inChannels, int outChannels, boolean centerInputSample, boolean flipSinToCos,
                                    double freqShift, List<DownBlockType> downBlockTypes,
                                    List<UpBlockType> upBlockTypes, int[] blockOutChannels, int[] layersPerBlock,
                                    int downsamplePadding, double midBlockScaleFactor, Activation act,
                                    int normNumGroups, double normEps, int crossAttentionDim,
                                    int[] transformerLayersPerBlock, int[] attentionHeads,
                                    boolean useLinearProjection, boolean upcastAttention,
                                    double resnetOutScaleFactor, int convInKernel, int convOutKernel) {

    /** diffusers' down block types. */
    public enum DownBlockType implements ConfigJson.Spelled {
        CROSS_ATTN_DOWN_BLOCK_2D("CrossAttnDownBlock2D"), DOWN_BLOCK_2D("DownBlock2D");

        private final String spelling;

        DownBlockType(String spelling) {
            this.spelling = spelling;
        }

        @Override
        public String spelling() {
            return spelling;
        }
    }

    /** diffusers' up block types. */
    public enum UpBlockType implements ConfigJson.Spelled {
        CROSS_ATTN_UP_BLOCK_2D("CrossAttnUpBlock2D"), UP_BLOCK_2D("UpBlock2D");

        private final String spelling;

        UpBlockType(String spelling) {
            this.spelling = spelling;
        }

        @Override
        public String spelling() {
            return spelling;
        }
    }

    /** diffusers' mid block types. */
    public enum MidBlockType implements ConfigJson.Spelled {
        UNET_MID_BLOCK_2D_CROSS_ATTN("UNetMidBlock2DCrossAttn");

        private final String spelling;

        MidBlockType(String spelling) {
            this.spelling = spelling;
        }

        @Override
        public String spelling() {
            return spelling;
        }
    }

    public UNet2DConditionConfig {
        int levels = blockOutChannels.length;
        if (levels == 0 || downBlockTypes.size() != levels || layersPerBlock.length != levels
                || transformerLayersPerBlock.length != levels || attentionHeads.length != levels) {
            throw new IllegalArgumentException("block_out_channels, down_block_types, layers_per_block, "
                    + "transformer_layers_per_block and attention heads must have one entry per level");
        }
        if (!upBlockTypes.isEmpty() && upBlockTypes.size() != levels) {
            throw new IllegalArgumentException("up_block_types must have " + levels + " entries, got " + upBlockTypes);
        }
        if (convInKernel % 2 == 0 || convOutKernel % 2 == 0) {
            throw new IllegalArgumentException("conv_in_kernel and conv_out_kernel must be odd");
        }
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        blockOutChannels = blockOutChannels.clone();
        layersPerBlock = layersPerBlock.clone();
        transformerLayersPerBlock = transformerLayersPerBlock.clone();
        attentionHeads = attentionHeads.clone();
    }

    @Override
    public int[] blockOutChannels() {
        return blockOutChannels.clone();
    }

    @Override
    public int[] layersPerBlock() {
        return layersPerBlock.clone();
    }

    @Override
    public int[] transformerLayersPerBlock() {
        return transformerLayersPerBlock.clone();
    }

    @Override
    public int[] attentionHeads() {
        return attentionHeads.clone();
    }

    /** Resolution levels. */
    public int levels() {
        return blockOutChannels.length;
    }

    /** Width of the time embedding: 4 x block_out_channels[0]. */
    public int timeEmbedDim() {
        return 4 * blockOutChannels[0];
    }

    /** Reads {@code folder/config.json} of a UNet2DConditionModel. */
    public static UNet2DConditionConfig read(Path folder) throws IOException {
        ConfigJson c = ConfigJson.read(folder.resolve("config.json"));
        String cls = c.className();
        if (!cls.isEmpty() && !cls.equals("UNet2DConditionModel")) {
            throw new ConfigException(c.file() + ": _class_name is '" + cls + "', expected UNet2DConditionModel");
        }
        UNet2DConditionConfig cfg = parse(c, true);
        c.finish();
        return cfg;
    }

    /**
     * Reads the keys a ControlNetModel config shares with the UNet (time embedding, conv_in, down and
     * mid blocks). The caller reads its own keys and then calls {@link ConfigJson#finish()}.
     */
    public static UNet2DConditionConfig readDownAndMid(ConfigJson c) throws ConfigException {
        return parse(c, false);
    }

    private static UNet2DConditionConfig parse(ConfigJson c, boolean withUpPath) throws ConfigException {
        UNetConfigKeys.refuseUnsupported(c, withUpPath);
        int[] channels = c.integers("block_out_channels", 0);
        int n = channels.length;
        List<DownBlockType> down = c.enumList("down_block_types", DownBlockType.class);
        if (down.size() != n) {
            throw new ConfigException(c.file() + ": " + n + " block_out_channels but " + down.size()
                    + " down_block_types");
        }
        c.enumValue("mid_block_type", MidBlockType.class, MidBlockType.UNET_MID_BLOCK_2D_CROSS_ATTN);
        List<UpBlockType> up = withUpPath ? c.enumList("up_block_types", UpBlockType.class) : List.of();
        if (withUpPath && up.size() != n) {
            throw new ConfigException(c.file() + ": " + n + " block_out_channels but " + up.size() + " up_block_types");
        }
        int[] heads = UNetConfigKeys.attentionHeads(c, n);
        int[] crossDims = ints(c, "cross_attention_dim", n, 1280);
        if (Arrays.stream(crossDims).distinct().count() != 1) {
            throw new ConfigException(c.file() + ": a cross_attention_dim per level " + Arrays.toString(crossDims)
                    + " is not supported");
        }
        try {
            return new UNet2DConditionConfig(c.integer("in_channels", 4), withUpPath ? c.integer("out_channels", 4) : 0,
                    withUpPath && c.bool("center_input_sample", false), c.bool("flip_sin_to_cos", true),
                    c.number("freq_shift", 0), down, up, channels, ints(c, "layers_per_block", n, 2),
                    c.integer("downsample_padding", 1), c.number("mid_block_scale_factor", 1),
                    c.enumValue("act_fn", Activation.class, Activation.SILU), c.integer("norm_num_groups", 32),
                    c.number("norm_eps", 1e-5), crossDims[0], ints(c, "transformer_layers_per_block", n, 1), heads,
                    c.bool("use_linear_projection", false), c.bool("upcast_attention", false),
                    withUpPath ? c.number("resnet_out_scale_factor", 1.0) : 1.0,
                    withUpPath ? c.integer("conv_in_kernel", 3) : 3, withUpPath ? c.integer("conv_out_kernel", 3) : 3);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.file() + ": " + e.getMessage());
        }
    }

    private static int[] ints(ConfigJson c, String key, int n, int fallback) throws ConfigException {
        return c.has(key) ? c.integers(key, n) : UNetConfigKeys.markedFill(c, key, n, fallback);
    }
}
