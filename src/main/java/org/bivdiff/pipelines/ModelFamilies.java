package org.bivdiff.pipelines;

import java.util.Arrays;

import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.controlnet.ControlNetConfig;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.unet2d.UNet2DConditionConfig;
import org.bivdiff.models.unet2d.UNet2DConditionModel;

/**
 * Checks that add-on networks were made for the UNet they are paired with, before any network runs: a ControlNet
 * of SD 2.1 on an SD 1.5 UNet, or an adapter with other widths, would otherwise fail deep inside a graph.
 */
final class ModelFamilies {

    private ModelFamilies() {
    }

    /** The ControlNet's down path must match the UNet's: cross_attention_dim and block_out_channels. */
    static void checkControlNet(UNet2DConditionModel unet, ControlNetModel controlNet, int index) {
        checkControlNet(unet.config(), controlNet.config(), index);
    }

    /** As {@link #checkControlNet(UNet2DConditionModel, ControlNetModel, int)} on the configs alone. */
    static void checkControlNet(UNet2DConditionConfig u, ControlNetConfig controlNet, int index) {
        UNet2DConditionConfig c = controlNet.unet();
        if (u.crossAttentionDim() != c.crossAttentionDim()) {
            throw new IllegalArgumentException("ControlNet " + index + " has cross_attention_dim "
                    + c.crossAttentionDim() + " but the UNet " + u.crossAttentionDim()
                    + ": they are of different base models (e.g. SD 1.5 vs SD 2.1)");
        }
        if (!Arrays.equals(u.blockOutChannels(), c.blockOutChannels())) {
            throw new IllegalArgumentException("ControlNet " + index + " has block_out_channels "
                    + Arrays.toString(c.blockOutChannels()) + " but the UNet " + Arrays.toString(u.blockOutChannels())
                    + ": they are of different base models");
        }
    }

    /** The adapter's feature widths must be the UNet's down block widths. */
    static void checkAdapter(UNet2DConditionModel unet, T2IAdapter adapter) {
        int[] channels = adapter.config().channels();
        int[] blocks = unet.config().blockOutChannels();
        if (!Arrays.equals(channels, blocks)) {
            throw new IllegalArgumentException("T2I-Adapter channels " + Arrays.toString(channels)
                    + " do not match the UNet's block_out_channels " + Arrays.toString(blocks)
                    + ": they are of different base models");
        }
    }
}
