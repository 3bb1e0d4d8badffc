package org.bivdiff.models.vae;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;
import org.bivdiff.models.blocks.Activation;

/**
 * The {@code config.json} of diffusers' AutoencoderKL.
 *
 * @param inChannels       image channels in
 * @param outChannels      image channels out
 * @param latentChannels   latent channels
 * @param blockOutChannels channels per resolution level, from the image side
 * @param layersPerBlock   resnets per encoder level (the decoder has one more)
 * @param normNumGroups    GroupNorm groups
 * @param act              activation
 * @param midBlockAddAttention whether the mid blocks have their attention
 * @param scalingFactor    latents are multiplied by this after encoding (0.18215 for SD 1.x / 2.x)
 * @param shiftFactor      latents are shifted by this before scaling (0 for SD 1.x / 2.x)
 */
public record AutoencoderKLConfig(int inChannels, int outChannels, int latentChannels, int[] blockOutChannels,
                                  int layersPerBlock, int normNumGroups, Activation act, boolean midBlockAddAttention,
                                  double scalingFactor, double shiftFactor) {

    /** diffusers' block types; the VAE has only these two. */
    enum BlockType implements ConfigJson.Spelled {
        DOWN_ENCODER("DownEncoderBlock2D"), UP_DECODER("UpDecoderBlock2D");

        private final String spelling;

        BlockType(String spelling) {
            this.spelling = spelling;
        }

        @Override
        public String spelling() {
            return spelling;
        }
    }

    public AutoencoderKLConfig {
        if (blockOutChannels.length == 0) {
            throw new IllegalArgumentException("block_out_channels is empty");
        }
        blockOutChannels = blockOutChannels.clone();
    }

    @Override
    public int[] blockOutChannels() {
        return blockOutChannels.clone();
    }

    /** Pixels per latent along each side: 2^(levels - 1). */
    public int scaleFactor() {
        return 1 << (blockOutChannels.length - 1);
    }

    /** (n, latent channels, height / scale, width / scale): the latents of n images of height x width. */
    public int[] latentShape(int n, int height, int width) {
        return new int[] {n, latentChannels, height / scaleFactor(), width / scaleFactor()};
    }

    /** Reads {@code folder/config.json}. */
    public static AutoencoderKLConfig read(Path folder) throws IOException {
        ConfigJson c = ConfigJson.read(folder.resolve("config.json"));
        String cls = c.className();
        if (!cls.isEmpty() && !cls.equals("AutoencoderKL")) {
            throw new ConfigException(c.file() + ": _class_name is '" + cls + "', expected AutoencoderKL");
        }
        int[] channels = c.integers("block_out_channels", 0);
        List<BlockType> down = c.enumList("down_block_types", BlockType.class);
        List<BlockType> up = c.enumList("up_block_types", BlockType.class);
        if (down.size() != channels.length || up.size() != channels.length
                || down.stream().anyMatch(b -> b != BlockType.DOWN_ENCODER)
                || up.stream().anyMatch(b -> b != BlockType.UP_DECODER)) {
            throw new ConfigException(c.file() + ": expected " + channels.length + " DownEncoderBlock2D and "
                    + channels.length + " UpDecoderBlock2D, got " + down + " and " + up);
        }
        if (c.has("latents_mean") || c.has("latents_std")) {
            throw new ConfigException(c.file() + ": per-channel latents_mean / latents_std are not supported");
        }
        if (!c.bool("use_quant_conv", true) || !c.bool("use_post_quant_conv", true)) {
            throw new ConfigException(c.file() + ": VAEs without quant_conv / post_quant_conv are not supported");
        }
        var cfg = new AutoencoderKLConfig(c.integer("in_channels", 3), c.integer("out_channels", 3),
                c.integer("latent_channels", 4), channels, c.integer("layers_per_block", 1),
                c.integer("norm_num_groups", 32), c.enumValue("act_fn", Activation.class, Activation.SILU),
                c.bool("mid_block_add_attention", true), c.number("scaling_factor", 0.18215),
                c.number("shift_factor", 0));
        // Without effect on the fp32 graph: the model's nominal image size and the fp16 upcast hint.
        c.ignore("sample_size", "force_upcast", "latents_mean", "latents_std");
        c.finish();
        return cfg;
    }
}
