package org.bivdiff.models.adapter;

import java.io.IOException;
import java.nio.file.Path;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;

/**
 * The {@code config.json} of diffusers' T2IAdapter (0.23) with {@code adapter_type="full_adapter"}
 * (the SD 1.x / 2.x adapters); the light and XL adapters fail when read.
 *
 * @param inChannels      channels of the conditioning image (3, or 1 for sketches)
 * @param channels        feature channels per level, one level per UNet down block
 * @param numResBlocks    AdapterResnetBlocks per level
 * @param downscaleFactor the pixel-unshuffle factor in front
 */
public record T2IAdapterConfig(int inChannels, int[] channels, int numResBlocks, int downscaleFactor) {

    /** {@code adapter_type}; only the full adapter is implemented. */
    enum AdapterType implements ConfigJson.Spelled {
        FULL_ADAPTER("full_adapter");

        private final String spelling;

        AdapterType(String spelling) {
            this.spelling = spelling;
        }

        @Override
        public String spelling() {
            return spelling;
        }
    }

    public T2IAdapterConfig {
        if (channels.length == 0 || inChannels < 1 || numResBlocks < 1 || downscaleFactor < 1) {
            throw new IllegalArgumentException("T2IAdapter needs channels, in_channels, num_res_blocks and "
                    + "downscale_factor >= 1");
        }
        channels = channels.clone();
    }

    @Override
    public int[] channels() {
        return channels.clone();
    }

    /** Pixels of the image per pixel of the first feature, times 2 per further level. */
    public int totalDownscaleFactor() {
        return downscaleFactor << (channels.length - 1);
    }

    /** Reads {@code folder/config.json}. */
    public static T2IAdapterConfig read(Path folder) throws IOException {
        ConfigJson c = ConfigJson.read(folder.resolve("config.json"));
        String cls = c.className();
        if (!cls.isEmpty() && !cls.equals("T2IAdapter")) {
            throw new ConfigException(c.file() + ": _class_name is '" + cls + "', expected T2IAdapter");
        }
        c.enumValue("adapter_type", AdapterType.class, AdapterType.FULL_ADAPTER);
        try {
            var cfg = new T2IAdapterConfig(c.integer("in_channels", 3), c.integers("channels", 0),
                    c.integer("num_res_blocks", 2), c.integer("downscale_factor", 8));
            c.finish();
            return cfg;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.file() + ": " + e.getMessage());
        }
    }
}
