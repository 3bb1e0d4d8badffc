package org.bivdiff.models.unet2d;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.bivdiff.graph.Engine;
import org.bivdiff.io.ConfigException;
import org.bivdiff.models.WeightsException;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading UNet configs: the legacy head count, and loud failures on options this port does not build. */
class UNet2DConditionConfigTest {

    private static final Path SD15 = FixtureFolders.model("tiny-sd15/unet");
    private static final Path SD21 = FixtureFolders.model("tiny-sd21/unet");

    @TempDir
    Path dir;

    @Test
    void attentionHeadDimIsTheNumberOfHeads() throws IOException {
        UNet2DConditionConfig sd15 = UNet2DConditionConfig.read(SD15);
        assertArrayEquals(new int[] {8, 8, 8, 8}, sd15.attentionHeads());
        UNet2DConditionConfig sd21 = UNet2DConditionConfig.read(SD21);
        assertArrayEquals(new int[] {2, 4, 4, 8}, sd21.attentionHeads());
        assertTrue(sd21.useLinearProjection());
        assertEquals(List.of(UNet2DConditionConfig.UpBlockType.UP_BLOCK_2D,
                UNet2DConditionConfig.UpBlockType.CROSS_ATTN_UP_BLOCK_2D,
                UNet2DConditionConfig.UpBlockType.CROSS_ATTN_UP_BLOCK_2D,
                UNet2DConditionConfig.UpBlockType.CROSS_ATTN_UP_BLOCK_2D), sd21.upBlockTypes());
    }

    @Test
    void numAttentionHeadsWinsOverAttentionHeadDim() throws IOException {
        Path edited = FixtureFolders.editedConfig(SD15, dir, c -> c.put("num_attention_heads", 4));
        assertArrayEquals(new int[] {4, 4, 4, 4}, UNet2DConditionConfig.read(edited).attentionHeads());
    }

    @Test
    void unsupportedOptionFails() throws IOException {
        Path edited = FixtureFolders.editedConfig(SD15, dir, c -> c.put("class_embed_type", "timestep"));
        ConfigException e = assertThrows(ConfigException.class, () -> UNet2DConditionConfig.read(edited));
        assertTrue(e.getMessage().contains("class_embed_type"), e.getMessage());
    }

    @Test
    void unsupportedValueOfAKnownOptionFails() throws IOException {
        Path edited = FixtureFolders.editedConfig(SD15, dir, c -> c.put("resnet_time_scale_shift", "scale_shift"));
        ConfigException e = assertThrows(ConfigException.class, () -> UNet2DConditionConfig.read(edited));
        assertTrue(e.getMessage().contains("scale_shift"), e.getMessage());
    }

    @Test
    void unknownBlockTypeFailsNamingTheSupportedOnes() throws IOException {
        Path edited = FixtureFolders.editedConfig(SD15, dir,
                c -> c.putArray("up_block_types").add("UpBlock2D").add("AttnUpBlock2D").add("CrossAttnUpBlock2D")
                        .add("CrossAttnUpBlock2D"));
        ConfigException e = assertThrows(ConfigException.class, () -> UNet2DConditionConfig.read(edited));
        assertTrue(e.getMessage().contains("AttnUpBlock2D") && e.getMessage().contains("CrossAttnUpBlock2D"),
                e.getMessage());
    }

    @Test
    void unknownKeyFails() throws IOException {
        Path edited = FixtureFolders.editedConfig(SD15, dir, c -> c.put("use_flash_magic", true));
        ConfigException e = assertThrows(ConfigException.class, () -> UNet2DConditionConfig.read(edited));
        assertTrue(e.getMessage().contains("use_flash_magic"), e.getMessage());
    }

    @Test
    void inflatingAnotherLayoutFails() throws IOException {
        Path edited = FixtureFolders.editedConfig(SD15, dir, c -> c.put("transformer_layers_per_block", 2));
        ConfigException e = assertThrows(ConfigException.class,
                () -> InflatedUNet3DConditionModel.load(edited, Engine.cpu()));
        assertTrue(e.getMessage().contains("from_pretrained_2d"), e.getMessage());
    }

    @Test
    void unusedWeightFails() throws IOException {
        Path edited = FixtureFolders.editedWeights(SD15, dir, null,
                Map.of("down_blocks.0.attentions.0.extra.weight", Tensor.zeros(4)));
        WeightsException e = assertThrows(WeightsException.class, () -> UNet2DConditionModel.load(edited, Engine.cpu()));
        assertTrue(e.getMessage().contains("down_blocks.0.attentions.0.extra.weight"), e.getMessage());
    }

    @Test
    void missingWeightFails() throws IOException {
        Path edited = FixtureFolders.editedWeights(SD15, dir, "mid_block.attentions.0.proj_out.weight", Map.of());
        WeightsException e = assertThrows(WeightsException.class, () -> UNet2DConditionModel.load(edited, Engine.cpu()));
        assertTrue(e.getMessage().contains("mid_block.attentions.0.proj_out.weight"), e.getMessage());
    }
}
