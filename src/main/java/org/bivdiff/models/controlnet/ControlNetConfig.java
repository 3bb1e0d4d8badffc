package org.bivdiff.models.controlnet;

import java.io.IOException;
import java.nio.file.Path;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;
import org.bivdiff.models.unet2d.UNet2DConditionConfig;

/**
 * The {@code config.json} of diffusers' ControlNetModel (0.23): the down and mid half of a UNet
 * config plus the conditioning-image embedding.
 *
 * @param unet                             the shared UNet keys (no up path)
 * @param conditioningChannels             channels of the conditioning image (3)
 * @param conditioningEmbeddingOutChannels widths of the conditioning embedding; each step after the
 *                                         first halves the resolution
 * @param channelOrder                     RGB, or BGR (the image's channels are flipped first)
 */
public record ControlNetConfig(UNet2DConditionConfig unet, int conditioningChannels,
                               int[] conditioningEmbeddingOutChannels, ChannelOrder channelOrder) {

    /** {@code controlnet_conditioning_channel_order}. */
    public enum ChannelOrder implements ConfigJson.Spelled {
        RGB("rgb"), BGR("bgr");

        private final String spelling;

        ChannelOrder(String spelling) {
            this.spelling = spelling;
        }

        @Override
        public String spelling() {
            return spelling;
        }
    }

    public ControlNetConfig {
        if (conditioningEmbeddingOutChannels.length == 0 || conditioningChannels < 1) {
            throw new IllegalArgumentException("the conditioning embedding needs channels");
        }
        conditioningEmbeddingOutChannels = conditioningEmbeddingOutChannels.clone();
    }

    @Override
    public int[] conditioningEmbeddingOutChannels() {
        return conditioningEmbeddingOutChannels.clone();
    }

    /** Pixels of the conditioning image per latent pixel: 2^(len(conditioning_embedding_out_channels) - 1). */
    public int conditioningScaleFactor() {
        return 1 << (conditioningEmbeddingOutChannels.length - 1);
    }

    /** Reads {@code folder/config.json}. */
    public static ControlNetConfig read(Path folder) throws IOException {
        ConfigJson c = ConfigJson.read(folder.resolve("config.json"));
        String cls = c.className();
        if (!cls.isEmpty() && !cls.equals("ControlNetModel")) {
            throw new ConfigException(c.file() + ": _class_name is '" + cls + "', expected ControlNetModel");
        }
        UNet2DConditionConfig unet = UNet2DConditionConfig.readDownAndMid(c);
        if (c.bool("global_pool_conditions", false)) {
            throw new ConfigException(c.file() + ": global_pool_conditions = true is not supported");
        }
        int[] embedding = c.has("conditioning_embedding_out_channels")
                ? c.integers("conditioning_embedding_out_channels", 0) : defaultEmbedding(c);
        var cfg = new ControlNetConfig(unet, c.integer("conditioning_channels", 3), embedding,
                c.enumValue("controlnet_conditioning_channel_order", ChannelOrder.class, ChannelOrder.RGB));
        c.finish();
        return cfg;
    }

    private static int[] defaultEmbedding(ConfigJson c) {
        c.ignore("conditioning_embedding_out_channels");
        return new int[] {16, 32, 96, 256};
    }
}
