package org.bivdiff.models.dpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The conversion's rules on hand-picked keys (the dpt_key_mapping golden case lists every key of the real model). */
class DptKeyMappingTest {

    @Test
    void renamesFollowTheScriptsOrderOfReplacements() {
        assertEquals("dpt.encoder.layer.3.layernorm_before.weight",
                DptKeyMapping.renameKey("pretrained.model.blocks.3.norm1.weight"));
        assertEquals("dpt.embeddings.backbone.bit.encoder.stages.1.layers.0.norm1.bias",
                DptKeyMapping.renameKey("pretrained.model.patch_embed.backbone.stages.1.blocks.0.norm1.bias"));
        assertEquals("neck.fusion_stage.layers.3.residual_layer2.convolution1.weight",
                DptKeyMapping.renameKey("scratch.refinenet1.resConfUnit2.conv1.weight"));
        assertEquals("neck.reassemble_stage.layers.3.resize.bias", DptKeyMapping.renameKey("pretrained.act_postprocess4.4.bias"));
        assertEquals("head.head.4.weight", DptKeyMapping.renameKey("scratch.output_conv.4.weight"));
    }

    @Test
    void theClassificationHeadIsDroppedAndQkvSplitByRows() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("pretrained.model.head.weight", new long[] {10, 4});
        shapes.put("pretrained.model.blocks.0.attn.qkv.weight", new long[] {12, 4});
        shapes.put("pretrained.model.blocks.0.attn.qkv.bias", new long[] {12});
        List<DptKeyMapping.Entry> entries = DptKeyMapping.convert(shapes, 4, 1);
        assertEquals(DptKeyMapping.Op.DROP, entries.get(0).op());
        DptKeyMapping.Entry qkv = entries.get(1);
        assertEquals(DptKeyMapping.Op.SPLIT_QKV, qkv.op());
        assertEquals(List.of(0L, 4L, 8L), qkv.targets().stream().map(DptKeyMapping.Target::rowStart).toList());
        assertEquals("dpt.encoder.layer.0.attention.attention.value.weight", qkv.targets().get(2).key());
        assertEquals(4, qkv.targets().get(2).shape()[0]);
    }

    @Test
    void clashingTargetsAreRefused() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("pretrained.model.blocks.0.attn.qkv.weight", new long[] {12, 4});
        shapes.put("pretrained.model.blocks.0.attn.qkv.bias", new long[] {12});
        shapes.put("dpt.encoder.layer.0.attention.attention.query.weight", new long[] {4, 4});
        var e = assertThrows(IllegalArgumentException.class, () -> DptKeyMapping.convert(shapes, 4, 1));
        assertTrue(e.getMessage().contains("both convert to"), e.getMessage());
    }
}
