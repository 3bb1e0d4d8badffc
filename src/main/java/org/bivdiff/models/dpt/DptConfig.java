package org.bivdiff.models.dpt;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;

/**
 * The {@code config.json} of transformers' (4.30) {@code DPTForDepthEstimation} with {@code is_hybrid}: the ViT
 * part, the neck, and the BiT {@link BitConfig backbone}. Plain (non-hybrid) DPT and the options the hybrid does
 * not use fail when read.
 *
 * @param hiddenSize         D, the ViT width
 * @param numHiddenLayers    ViT layers
 * @param numAttentionHeads  heads per ViT self-attention
 * @param intermediateSize   ViT MLP width
 * @param layerNormEps       epsilon of the ViT LayerNorms (transformers' default 1e-12; timm's MiDaS uses 1e-6)
 * @param imageSize          the size the position embeddings were trained at (their grid is imageSize / patchSize)
 * @param patchSize          pixels per ViT token; equals the backbone's total stride
 * @param qkvBias            whether query, key and value have biases
 * @param backboneOutIndices four entries; the last two name the ViT layers that feed neck inputs 2 and 3
 * @param neckHiddenSizes    channels of the four neck inputs (the first two are the backbone's first two stages)
 * @param reassembleFactors  resize factor of each neck input (1 keeps, 0.5 halves with a strided conv, > 1 upsamples)
 * @param fusionHiddenSize   F, the width of the fusion stage
 * @param featureDim         channels of the backbone's last stage ({@code backbone_featmap_shape[1]})
 * @param backbone           the BiT backbone
 */
public record DptConfig(int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize,
                        double layerNormEps, int imageSize, int patchSize, boolean qkvBias, int[] backboneOutIndices,
                        int[] neckHiddenSizes, double[] reassembleFactors, int fusionHiddenSize, int featureDim,
                        BitConfig backbone) {

    /** The epsilon of timm's ViT LayerNorms, which the original MiDaS checkpoint was trained with. */
    public static final double TIMM_LAYER_NORM_EPS = 1e-6;

    public DptConfig {
        if (hiddenSize < 1 || numHiddenLayers < 1 || numAttentionHeads < 1 || intermediateSize < 1
                || fusionHiddenSize < 2 || featureDim < 1) {
            throw new IllegalArgumentException("DPT sizes must be positive: hidden_size " + hiddenSize
                    + ", num_hidden_layers " + numHiddenLayers + ", num_attention_heads " + numAttentionHeads
                    + ", intermediate_size " + intermediateSize + ", fusion_hidden_size " + fusionHiddenSize);
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
                    + numAttentionHeads);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be positive, got " + layerNormEps);
        }
        if (neckHiddenSizes.length != 4 || reassembleFactors.length != 4 || backboneOutIndices.length != 4) {
            throw new IllegalArgumentException("DPT-Hybrid has four neck inputs: neck_hidden_sizes, reassemble_factors "
                    + "and backbone_out_indices need 4 entries, got " + Arrays.toString(neckHiddenSizes) + ", "
                    + Arrays.toString(reassembleFactors) + ", " + Arrays.toString(backboneOutIndices));
        }
        for (int i = 2; i < 4; i++) {
            if (backboneOutIndices[i] < 0 || backboneOutIndices[i] >= numHiddenLayers) {
                throw new IllegalArgumentException("backbone_out_indices[" + i + "] = " + backboneOutIndices[i]
                        + " is not a layer of the " + numHiddenLayers + "-layer ViT");
            }
            double f = reassembleFactors[i];
            if (!(f > 0) || (f < 1 && 1 / f != Math.rint(1 / f)) || (f > 1 && f != Math.rint(f))) {
                throw new IllegalArgumentException("reassemble_factors[" + i + "] = " + f
                        + " is neither an integer nor 1 / an integer");
            }
        }
        if (backboneOutIndices[2] >= backboneOutIndices[3]) {
            // DPTForDepthEstimation keeps the layers in ViT order whatever order the indices name them in
            throw new IllegalArgumentException("backbone_out_indices[2:] must name two layers in increasing order, got "
                    + Arrays.toString(backboneOutIndices));
        }
        int[] stages = backbone.hiddenSizes();
        if (stages.length != 3 || neckHiddenSizes[0] != stages[0] || neckHiddenSizes[1] != stages[1]
                || featureDim != stages[2]) {
            throw new IllegalArgumentException("the hybrid neck takes the BiT stages 1 and 2 as they are and projects "
                    + "stage 3: need 3 stages with neck_hidden_sizes[0:2] = hidden_sizes[0:2] and "
                    + "backbone_featmap_shape[1] = hidden_sizes[2], got stages " + Arrays.toString(stages)
                    + ", neck_hidden_sizes " + Arrays.toString(neckHiddenSizes) + ", feature dim " + featureDim);
        }
        if (patchSize != backbone.totalStride()) {
            throw new IllegalArgumentException("patch_size " + patchSize + " differs from the backbone's stride "
                    + backbone.totalStride());
        }
        if (imageSize < patchSize || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image_size " + imageSize + " is not a multiple of patch_size "
                    + patchSize);
        }
        backboneOutIndices = backboneOutIndices.clone();
        neckHiddenSizes = neckHiddenSizes.clone();
        reassembleFactors = reassembleFactors.clone();
    }

    @Override
    public int[] backboneOutIndices() {
        return backboneOutIndices.clone();
    }

    @Override
    public int[] neckHiddenSizes() {
        return neckHiddenSizes.clone();
    }

    @Override
    public double[] reassembleFactors() {
        return reassembleFactors.clone();
    }

    /**
     * The architecture of MiDaS v3 DPT-Hybrid, the network of {@code dpt_hybrid-midas-501f0c75.pt}
     * (controlnet_aux's {@code DPTDepthModel(backbone="vitb_rn50_384")}: timm's {@code vit_base_resnet50_384}, ViT-B
     * on a ResNet-50 v2 with stages [3, 4, 9], hooks on layers 8 and 11, 256 fusion channels), in DPTConfig's terms,
     * with timm's LayerNorm epsilon.
     */
    public static DptConfig midasHybrid() {
        return new DptConfig(768, 12, 12, 3072, TIMM_LAYER_NORM_EPS, 384, 16, true, new int[] {2, 5, 8, 11},
                new int[] {256, 512, 768, 768}, new double[] {1, 1, 1, 0.5}, 256, 1024,
                new BitConfig(3, 64, new int[] {256, 512, 1024}, new int[] {3, 4, 9}, 32));
    }

    /** Channels per attention head. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Side of the square grid the stored position embeddings cover. */
    public int positionGrid() {
        return imageSize / patchSize;
    }

    /** This config with another ViT LayerNorm epsilon. */
    public DptConfig withLayerNormEps(double eps) {
        return new DptConfig(hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, eps, imageSize,
                patchSize, qkvBias, backboneOutIndices, neckHiddenSizes, reassembleFactors, fusionHiddenSize,
                featureDim, backbone);
    }

    /** Reads {@code folder/config.json}; defaults are transformers' {@code DPTConfig} defaults. */
    public static DptConfig read(Path folder) throws IOException {
        ConfigJson c = ConfigJson.read(folder.resolve("config.json"));
        String modelType = c.string("model_type", "dpt");
        if (!modelType.equals("dpt")) {
            throw new ConfigException(c.file() + ": model_type is '" + modelType + "', expected dpt");
        }
        require(c, c.bool("is_hybrid", false), "is_hybrid must be true: only DPT-Hybrid is implemented");
        require(c, c.string("hidden_act", "gelu").equals("gelu"), "hidden_act must be gelu");
        require(c, c.string("readout_type", "ignore").equals("project"), "readout_type must be project (DPT-Hybrid)");
        require(c, Arrays.equals(c.integers("neck_ignore_stages", 0), new int[] {0, 1}),
                "neck_ignore_stages must be [0, 1] (DPT-Hybrid)");
        require(c, c.integer("head_in_index", -1) == -1, "head_in_index must be -1");
        require(c, !c.bool("use_batch_norm_in_fusion_residual", false), "use_batch_norm_in_fusion_residual must be false");
        require(c, c.bool("use_bias_in_fusion_residual", true), "use_bias_in_fusion_residual must be true");
        require(c, !c.bool("add_projection", false), "add_projection must be false");
        require(c, !c.has("backbone"), "a named 'backbone' is not supported; DPT-Hybrid uses backbone_config");
        c.ignore("backbone");
        int[] featmap = c.integers("backbone_featmap_shape", 4);
        DptConfig cfg;
        try {
            cfg = new DptConfig(c.integer("hidden_size", 768), c.integer("num_hidden_layers", 12),
                    c.integer("num_attention_heads", 12), c.integer("intermediate_size", 3072),
                    c.number("layer_norm_eps", 1e-12), c.integer("image_size", 384), c.integer("patch_size", 16),
                    c.bool("qkv_bias", true), c.integers("backbone_out_indices", 4), c.integers("neck_hidden_sizes", 4),
                    c.numbers("reassemble_factors"), c.integer("fusion_hidden_size", 256), featmap[1],
                    BitConfig.read(c.object("backbone_config")));
            require(c, c.integer("num_channels", 3) == cfg.backbone().numChannels(),
                    "num_channels differs from backbone_config.num_channels");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.file() + ": " + e.getMessage());
        }
        // Without effect on depth estimation: dropout rates, init scale, the segmentation heads' options, the
        // pooler (DPTForDepthEstimation builds DPTModel without it), label maps and bookkeeping.
        c.ignore("attention_probs_dropout_prob", "hidden_dropout_prob", "initializer_range", "auxiliary_loss_weight",
                "semantic_classifier_dropout", "semantic_loss_ignore_index", "use_auxiliary_head", "pooler_act",
                "pooler_output_size", "embedding_type", "use_pretrained_backbone", "use_timm_backbone",
                "backbone_kwargs");
        c.ignore(BitConfig.PRETRAINED_CONFIG_KEYS.toArray(String[]::new));
        c.finish();
        return cfg;
    }

    private static void require(ConfigJson c, boolean ok, String what) throws ConfigException {
        if (!ok) {
            throw new ConfigException(c.file() + ": " + what);
        }
    }
}
