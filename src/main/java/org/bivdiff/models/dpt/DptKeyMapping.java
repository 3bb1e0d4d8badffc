package org.bivdiff.models.dpt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state-dict conversion of transformers' models/dpt/convert_dpt_hybrid_to_pytorch.py, from the original MiDaS
 * DPT-Hybrid checkpoint (controlnet_aux's {@code DPTDepthModel(backbone="vitb_rn50_384")}: timm names, fused
 * {@code qkv}) to {@link DptForDepthEstimation}'s keys, as a pure function over key names and shapes:
 * {@code remove_ignore_keys_} drops timm's classification head, {@code rename_key} renames every other tensor
 * (no reshape or transpose: Conv2d, ConvTranspose2d and Linear layouts agree), and {@code read_in_q_k_v} splits
 * each layer's fused {@code qkv} weight and bias by rows into query, key and value. A row range of a contiguous
 * tensor is a contiguous byte range, so every target is a view of its source, never a copy.
 */
public final class DptKeyMapping {

    /** What happens to one source tensor. */
    public enum Op {
        RENAME, SPLIT_QKV, DROP
    }

    /**
     * One tensor of the converted state dict: rows {@code [rowStart, rowStart + shape[0])} of {@code source}
     * (all of it for a rename).
     */
    public record Target(String key, String source, long rowStart, long[] shape) {
        public Target {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /** One source tensor and the targets made from it (none when dropped). */
    public record Entry(String source, Op op, List<Target> targets) {
        public Entry {
            targets = List.copyOf(targets);
        }
    }

    /** timm's ImageNet classification head, which {@code remove_ignore_keys_} drops. */
    private static final List<String> IGNORED = List.of("pretrained.model.head.weight", "pretrained.model.head.bias");

    private DptKeyMapping() {
    }

    /**
     * Converts a whole state dict.
     *
     * @param sourceShapes every key of the original checkpoint with its shape, in file order
     * @param hiddenSize   the ViT width D; each {@code qkv} has 3 D rows
     * @param layers       ViT layers; each must have its {@code qkv} weight and bias
     * @return one entry per source key, in the order given
     * @throws IllegalArgumentException naming the key if a qkv tensor is missing or has the wrong row count, or if
     *                                  two keys map to the same target
     */
    public static List<Entry> convert(Map<String, long[]> sourceShapes, int hiddenSize, int layers) {
        Map<String, Integer> qkvLayer = new LinkedHashMap<>();
        for (int i = 0; i < layers; i++) {
            for (String part : List.of("weight", "bias")) {
                qkvLayer.put("dpt.encoder.layer." + i + ".attn.qkv." + part, i);
            }
        }
        List<Entry> entries = new ArrayList<>();
        Map<String, String> targetOwner = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : sourceShapes.entrySet()) {
            String source = e.getKey();
            long[] shape = e.getValue();
            if (IGNORED.contains(source)) {
                entries.add(new Entry(source, Op.DROP, List.of()));
                continue;
            }
            String renamed = renameKey(source);
            Entry entry = qkvLayer.containsKey(renamed)
                    ? new Entry(source, Op.SPLIT_QKV, splitQkv(source, renamed, shape, hiddenSize))
                    : new Entry(source, Op.RENAME, List.of(new Target(renamed, source, 0, shape)));
            qkvLayer.remove(renamed);
            for (Target t : entry.targets()) {
                String before = targetOwner.put(t.key(), source);
                if (before != null) {
                    throw new IllegalArgumentException("'" + before + "' and '" + source + "' both convert to '"
                            + t.key() + "'");
                }
            }
            entries.add(entry);
        }
        if (!qkvLayer.isEmpty()) {
            throw new IllegalArgumentException("the original checkpoint has no fused attention tensor for "
                    + qkvLayer.keySet().stream().map(DptKeyMapping::originalQkvName).toList() + " (" + layers
                    + " ViT layers expected)");
        }
        return entries;
    }

    /** The converted tensors of {@code entries}, by target key. */
    public static Map<String, Target> targets(List<Entry> entries) {
        Map<String, Target> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            for (Target t : e.targets()) {
                out.put(t.key(), t);
            }
        }
        return out;
    }

    /** query, key, value = rows [0, D), [D, 2D), [2D, 3D) of the fused (3D, ...) weight or (3D) bias. */
    private static List<Target> splitQkv(String source, String renamed, long[] shape, int hiddenSize) {
        if (shape.length < 1 || shape[0] != 3L * hiddenSize) {
            throw new IllegalArgumentException("'" + source + "' has shape " + Arrays.toString(shape) + ": a fused qkv "
                    + "of hidden size " + hiddenSize + " has " + 3L * hiddenSize + " rows");
        }
        String prefix = renamed.substring(0, renamed.indexOf(".attn.qkv."));
        String part = renamed.substring(renamed.lastIndexOf('.') + 1);
        long[] rowsShape = shape.clone();
        rowsShape[0] = hiddenSize;
        List<Target> out = new ArrayList<>();
        String[] names = {"query", "key", "value"};
        for (int i = 0; i < 3; i++) {
            out.add(new Target(prefix + ".attention.attention." + names[i] + "." + part, source, (long) i * hiddenSize,
                    rowsShape));
        }
        return out;
    }

    private static String originalQkvName(String renamed) {
        return renamed.replace("dpt.encoder.layer.", "pretrained.model.blocks.");
    }

    /**
     * {@code rename_key} of convert_dpt_hybrid_to_pytorch.py: the same sequence of substring replacements, in the same
     * order (later rules see what earlier ones produced, e.g. {@code blocks} becomes {@code layer} and, under the
     * backbone, {@code layers}).
     */
    public static String renameKey(String name) {
        String n = name;
        if (n.contains("pretrained.model") && !n.contains("cls_token") && !n.contains("pos_embed")
                && !n.contains("patch_embed")) {
            n = n.replace("pretrained.model", "dpt.encoder");
        }
        n = n.replace("pretrained.model", "dpt.embeddings");
        n = n.replace("patch_embed", "");
        n = n.replace("pos_embed", "position_embeddings");
        n = n.replace("attn.proj", "attention.output.dense");
        if (!n.contains("project")) {
            n = n.replace("proj", "projection");
        }
        n = n.replace("blocks", "layer");
        n = n.replace("mlp.fc1", "intermediate.dense");
        n = n.replace("mlp.fc2", "output.dense");
        if (!n.contains("backbone")) {
            n = n.replace("norm1", "layernorm_before").replace("norm2", "layernorm_after");
        }
        n = n.replace("scratch.output_conv", "head");
        n = n.replace("scratch", "neck");
        for (int i = 1; i <= 4; i++) {
            n = n.replace("layer" + i + "_rn", "convs." + (i - 1));
        }
        if (n.contains("refinenet")) {
            // MiDaS numbers the refinenets from the shallowest (1) to the deepest (4); fusion layers go the other way
            int idx = n.charAt("neck.refinenet".length()) - '0';
            n = n.replace("refinenet" + idx, "fusion_stage.layers." + Math.abs(idx - 4));
        }
        n = n.replace("out_conv", "projection");
        n = n.replace("resConfUnit1", "residual_layer1").replace("resConfUnit2", "residual_layer2");
        n = n.replace("conv1", "convolution1").replace("conv2", "convolution2");
        for (int i = 1; i <= 4; i++) {
            n = n.replace("pretrained.act_postprocess" + i + ".0.project.0",
                    "neck.reassemble_stage.readout_projects." + (i - 1) + ".0");
        }
        n = n.replace("pretrained.act_postprocess1.3", "neck.reassemble_stage.layers.0.projection");
        n = n.replace("pretrained.act_postprocess1.4", "neck.reassemble_stage.layers.0.resize");
        n = n.replace("pretrained.act_postprocess2.3", "neck.reassemble_stage.layers.1.projection");
        n = n.replace("pretrained.act_postprocess2.4", "neck.reassemble_stage.layers.1.resize");
        n = n.replace("pretrained.act_postprocess3.3", "neck.reassemble_stage.layers.2.projection");
        n = n.replace("pretrained.act_postprocess4.3", "neck.reassemble_stage.layers.3.projection");
        n = n.replace("pretrained.act_postprocess4.4", "neck.reassemble_stage.layers.3.resize");
        n = n.replace("pretrained", "dpt");
        n = n.replace("bn", "batch_norm");
        n = n.replace("head", "head.head");
        n = n.replace("encoder.norm", "layernorm");
        n = n.replace("auxlayer", "auxiliary_head.head");
        n = n.replace("backbone", "backbone.bit.encoder");
        n = n.replace("..", ".");
        n = n.replace("stem.conv", "bit.embedder.convolution");
        n = n.replace("blocks", "layers");
        if (n.contains("backbone")) {
            n = n.replace("convolution", "conv");
            n = n.replace("layer", "layers");
        }
        n = n.replace("backbone.bit.encoder.bit", "backbone.bit");
        n = n.replace("embedder.conv", "embedder.convolution");
        n = n.replace("backbone.bit.encoder.stem.norm", "backbone.bit.embedder.norm");
        return n;
    }
}
