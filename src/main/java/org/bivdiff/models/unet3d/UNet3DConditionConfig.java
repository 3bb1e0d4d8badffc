package org.bivdiff.models.unet3d;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;
import org.bivdiff.models.blocks.Activation;
import org.bivdiff.models.unet2d.UNet2DConditionConfig;
import org.bivdiff.models.unet2d.UNet2DConditionConfig.DownBlockType;
import org.bivdiff.models.unet2d.UNet2DConditionConfig.UpBlockType;

/**
 * The {@code config.json} of diffusers' (0.23) UNet3DConditionModel. Every key diffusers reads is
 * here; unknown keys fail.
 *
 * <p>Head counts: the config's {@code attention_head_dim} (n) is, like SD's, read by diffusers as a
 * number of heads, but unet_3d_blocks.py then builds {@code Transformer2DModel(C // n, n)}, whose first
 * argument is the number of heads: each transformer has C / n heads of n channels. The two slips cancel,
 * so n really is the head width here ({@link #headsAt}).
 *
 * @param inChannels          latent channels in
 * @param outChannels         channels out
 * @param downBlockTypes      one per level
 * @param upBlockTypes        one per level, from the deepest
 * @param blockOutChannels    channels per level
 * @param layersPerBlock      resnets per down level (the up levels have one more)
 * @param downsamplePadding   padding of the stride-2 downsampling convs
 * @param midBlockScaleFactor the mid block's resnet output scale
 * @param act                 activation
 * @param normNumGroups       GroupNorm groups of the resnets, transformers and conv_norm_out
 * @param normEps             GroupNorm epsilon of the resnets and conv_norm_out
 * @param crossAttentionDim   width of the text embedding
 * @param attentionHeadDim    channels per attention head, one value for every level (see above)
 */
public record UNet3DConditionConfig(int inChannels, int outChannels, List<DownBlockType3D> downBlockTypes,
                                    List<UpBlockType3D> upBlockTypes, int[] blockOutChannels, int layersPerBlock,
                                    int downsamplePadding, double midBlockScaleFactor, Activation act,
                                    int normNumGroups, double normEps, int crossAttentionDim, int attentionHeadDim) {

    /** diffusers' 3D down block types. */
    public enum DownBlockType3D implements ConfigJson.Spelled {
        CROSS_ATTN_DOWN_BLOCK_3D("CrossAttnDownBlock3D", DownBlockType.CROSS_ATTN_DOWN_BLOCK_2D),
        DOWN_BLOCK_3D("DownBlock3D", DownBlockType.DOWN_BLOCK_2D);

        private final String spelling;
        private final DownBlockType spatial;

        DownBlockType3D(String spelling, DownBlockType spatial) {
            this.spelling = spelling;
            this.spatial = spatial;
        }

        @Override
        public String spelling() {
            return spelling;
        }
    }

    /** diffusers' 3D up block types. */
    public enum UpBlockType3D implements ConfigJson.Spelled {
        CROSS_ATTN_UP_BLOCK_3D("CrossAttnUpBlock3D", UpBlockType.CROSS_ATTN_UP_BLOCK_2D),
        UP_BLOCK_3D("UpBlock3D", UpBlockType.UP_BLOCK_2D);

        private final String spelling;
        private final UpBlockType spatial;

        UpBlockType3D(String spelling, UpBlockType spatial) {
            this.spelling = spelling;
            this.spatial = spatial;
        }

        @Override
        public String spelling() {
            return spelling;
        }
    }

    public UNet3DConditionConfig {
        int levels = blockOutChannels.length;
        if (levels == 0 || downBlockTypes.size() != levels || upBlockTypes.size() != levels) {
            throw new IllegalArgumentException("block_out_channels " + Arrays.toString(blockOutChannels)
                    + ", down_block_types " + downBlockTypes + " and up_block_types " + upBlockTypes
                    + " must have one entry per level");
        }
        if (layersPerBlock < 1 || attentionHeadDim < 1 || normNumGroups < 1) {
            throw new IllegalArgumentException("layers_per_block, attention_head_dim and norm_num_groups must be >= 1");
        }
        for (int c : blockOutChannels) {
            if (c % attentionHeadDim != 0) {
                throw new IllegalArgumentException(c + " channels cannot be split into heads of attention_head_dim "
                        + attentionHeadDim);
            }
        }
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        blockOutChannels = blockOutChannels.clone();
    }

    @Override
    public int[] blockOutChannels() {
        return blockOutChannels.clone();
    }

    /** Resolution levels. */
    public int levels() {
        return blockOutChannels.length;
    }

    /** Attention heads of the spatial and temporal transformers at {@code level}: C / attention_head_dim. */
    public int headsAt(int level) {
        return blockOutChannels[level] / attentionHeadDim;
    }

    /**
     * The per-frame layers as a UNet2DConditionModel config: SD's blocks with C / n heads per level,
     * linear projections ({@code use_linear_projection=True}, the default of unet_3d_blocks.py's
     * {@code get_down_block}), one transformer layer, the timestep embedding as [cos, sin] without shift.
     */
    public UNet2DConditionConfig spatialLayout() {
        int n = levels();
        int[] layers = new int[n];
        int[] transformerLayers = new int[n];
        int[] heads = new int[n];
        for (int i = 0; i < n; i++) {
            layers[i] = layersPerBlock;
            transformerLayers[i] = 1;
            heads[i] = headsAt(i);
        }
        return new UNet2DConditionConfig(inChannels, outChannels, false, true, 0,
                downBlockTypes.stream().map(t -> t.spatial).toList(), upBlockTypes.stream().map(t -> t.spatial).toList(),
                blockOutChannels, layers, downsamplePadding, midBlockScaleFactor, act, normNumGroups, normEps,
                crossAttentionDim, transformerLayers, heads, true, false, 1.0, 3, 3);
    }

    /** Reads {@code folder/config.json} of a UNet3DConditionModel. */
    public static UNet3DConditionConfig read(Path folder) throws IOException {
        ConfigJson c = ConfigJson.read(folder.resolve("config.json"));
        String cls = c.className();
        if (!cls.isEmpty() && !cls.equals("UNet3DConditionModel")) {
            throw new ConfigException(c.file() + ": _class_name is '" + cls + "', expected UNet3DConditionModel");
        }
        if (c.has("num_attention_heads")) {
            throw new ConfigException(c.file() + ": num_attention_heads is set; diffusers 0.23's UNet3DConditionModel "
                    + "refuses it (NotImplementedError) and takes the heads from attention_head_dim");
        }
        c.ignore("num_attention_heads", "sample_size");
        int[] channels = c.integers("block_out_channels", 0);
        int[] headDims = c.integers("attention_head_dim", channels.length);
        if (Arrays.stream(headDims).distinct().count() != 1) {
            throw new ConfigException(c.file() + ": attention_head_dim per level " + Arrays.toString(headDims)
                    + " is not supported: diffusers' transformer_in takes a single value");
        }
        if (!c.has("norm_num_groups")) {
            throw new ConfigException(c.file() + ": norm_num_groups must be set (null drops conv_norm_out, not supported)");
        }
        try {
            UNet3DConditionConfig cfg = new UNet3DConditionConfig(c.integer("in_channels", 4), c.integer("out_channels", 4),
                    c.enumList("down_block_types", DownBlockType3D.class), c.enumList("up_block_types", UpBlockType3D.class),
                    channels, c.integer("layers_per_block", 2), c.integer("downsample_padding", 1),
                    c.number("mid_block_scale_factor", 1), c.enumValue("act_fn", Activation.class, Activation.SILU),
                    c.integer("norm_num_groups"), c.number("norm_eps", 1e-5), c.integer("cross_attention_dim", 1024),
                    headDims[0]);
            c.finish();
            return cfg;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.file() + ": " + e.getMessage());
        }
    }
}
