package org.bivdiff.models.dpt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.LazySessions;
import org.bivdiff.graph.Model;
import org.bivdiff.graph.Value;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.DType;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Conv2d;
import org.bivdiff.tensor.Tensor;

/**
 * Port of transformers (4.30) models/dpt/modeling_dpt.py::DPTForDepthEstimation with {@code is_hybrid}, the
 * network of MiDaS v3 DPT-Hybrid ({@code dpt_hybrid-midas-501f0c75.pt}, {@code Intel/dpt-hybrid-midas}):
 * <ol>
 *   <li>{@link DptViTHybridEmbeddings}: BiT backbone, projected last stage as tokens, class token, position
 *       embeddings resized to the input's grid;
 *   <li>{@code dpt.encoder.layer.<i>}: the ViT ({@link DptViTLayer}); its final {@code dpt.layernorm} is not on the
 *       depth path and is not used;
 *   <li>the neck: inputs 0 and 1 are BiT stages 1 and 2 as they are, inputs 2 and 3 the ViT layers
 *       {@code backbone_out_indices[2:]} reassembled ({@link DptReassembleLayer}); a bias-free 3x3
 *       {@code neck.convs.<i>} each to F channels; {@link DptFeatureFusionLayer}s from the deepest input up;
 *   <li>{@code head.head}: 3x3 conv to F/2, 2x bilinear upsampling (aligned corners), 3x3 conv to 32, ReLU, 1x1 conv
 *       to 1, ReLU (MiDaS' {@code non_negative}), the channel squeezed.
 * </ol>
 * Inputs of any size whose sides are multiples of 16 run, square or not (see {@link DptViTHybridEmbeddings}); the
 * depth map has the input's size.
 */
public final class DptForDepthEstimation implements AutoCloseable {

    /** Keys of the checkpoint that the depth path does not use: DPTModel's final LayerNorm. */
    private static final List<String> UNUSED = List.of("dpt.layernorm.weight", "dpt.layernorm.bias");

    private final DptConfig config;
    private final Engine engine;
    private final DptViTHybridEmbeddings embeddings;
    private final List<DptViTLayer> layers = new ArrayList<>();
    private final DptReassembleLayer[] reassemble = new DptReassembleLayer[4];
    private final Conv2d[] neckConvs = new Conv2d[4];
    private final DptFeatureFusionLayer[] fusion = new DptFeatureFusionLayer[4];
    private final Conv2d head0;
    private final Conv2d head2;
    private final Conv2d head4;
    private final LazySessions<Boolean> sessions;

    private DptForDepthEstimation(Weights w, DptConfig config, Engine engine) {
        this.config = config;
        this.engine = engine;
        this.sessions = new LazySessions<>(engine, this::graph);
        Weights dpt = w.child("dpt");
        embeddings = new DptViTHybridEmbeddings(dpt.child("embeddings"), config);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(new DptViTLayer(dpt.child("encoder").child("layer").child(i), config));
        }
        int[] neck = config.neckHiddenSizes();
        double[] factors = config.reassembleFactors();
        int f = config.fusionHiddenSize();
        Weights neckW = w.child("neck");
        for (int i = 0; i < 4; i++) {
            if (i > 1) {
                reassemble[i] = new DptReassembleLayer(neckW.child("reassemble_stage"), i, config.hiddenSize(),
                        neck[i], factors[i]);
            }
            neckConvs[i] = Conv2d.loadWithoutBias(neckW.child("convs").child(i), neck[i], f, 3, 1, 1);
            fusion[i] = new DptFeatureFusionLayer(neckW.child("fusion_stage").child("layers").child(i), f);
        }
        Weights head = w.child("head").child("head");
        head0 = Conv2d.load3x3(head.child(0), f, f / 2);
        head2 = Conv2d.load3x3(head.child(2), f / 2, 32);
        head4 = Conv2d.load1x1(head.child(4), 32, 1);
        UNUSED.forEach(k -> w.markUsed(k));
    }

    /**
     * Loads a transformers folder ({@code config.json} and {@code model.safetensors}, e.g. Intel/dpt-hybrid-midas), or
     * MiDaS' original checkpoint file ({@code dpt_hybrid-midas-501f0c75.pt}) with {@link DptConfig#midasHybrid()}
     * (see {@link #loadOriginal}); every weight must be used.
     */
    public static DptForDepthEstimation load(Path folder, Engine engine) throws IOException {
        if (Files.isRegularFile(folder)) {
            return loadOriginal(folder, DptConfig.midasHybrid(), engine);
        }
        DptConfig config = DptConfig.read(folder);
        Checkpoint.Variant variant = engine.computeType() == DType.F16 ? Checkpoint.Variant.FP16
                : Checkpoint.Variant.DEFAULT;
        try (Checkpoint checkpoint = Checkpoint.open(folder, "model", variant)) {
            return load(checkpoint, config, engine);
        }
    }

    /**
     * Loads an original MiDaS DPT-Hybrid state dict (timm and MiDaS names, fused {@code qkv}; a {@code .pt} as
     * controlnet_aux reads it, or any weights file) of architecture {@code config}, converted on the fly by
     * {@link DptKeyMapping} (transformers' convert_dpt_hybrid_to_pytorch.py): renamed keys and row ranges of the
     * fused attention point into the file, nothing is copied. The ViT LayerNorms run with timm's epsilon 1e-6,
     * which the network was trained with, whatever {@code config} says (transformers' conversion leaves DPTConfig's
     * 1e-12).
     */
    public static DptForDepthEstimation loadOriginal(Path file, DptConfig config, Engine engine) throws IOException {
        DptConfig timm = config.withLayerNormEps(DptConfig.TIMM_LAYER_NORM_EPS);
        try (Checkpoint original = Checkpoint.openFile(file)) {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (String name : original.names()) {
                shapes.put(name, original.info(name).orElseThrow().shape());
            }
            List<DptKeyMapping.Entry> entries;
            try {
                entries = DptKeyMapping.convert(shapes, timm.hiddenSize(), timm.numHiddenLayers());
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": not an original MiDaS DPT-Hybrid checkpoint: " + e.getMessage(), e);
            }
            Map<String, Checkpoint.View> views = new LinkedHashMap<>();
            DptKeyMapping.targets(entries).forEach((key, t) -> views.put(key, new Checkpoint.View(t.source(),
                    t.rowStart(), t.shape())));
            return load(original.mapped(views), timm, engine);
        }
    }

    /**
     * Builds from {@code checkpoint}, whose keys are transformers' ({@code dpt.embeddings...}); every weight must
     * be used. The graph points into the checkpoint's files, which may be closed afterwards.
     */
    public static DptForDepthEstimation load(Checkpoint checkpoint, DptConfig config, Engine engine) {
        Weights w = Weights.of(checkpoint);
        DptForDepthEstimation model = new DptForDepthEstimation(w, config, engine);
        w.requireAllUsed(Set.of());
        return model;
    }

    /** The weight keys and shapes the architecture of {@code config} reads. */
    public static Map<String, long[]> parameterShapes(DptConfig config) throws IOException {
        return Weights.shapes(w -> new DptForDepthEstimation(w, config, Engine.cpu()));
    }

    public DptConfig config() {
        return config;
    }

    /**
     * @param pixelValues (N, 3, H, W), H and W positive multiples of 16 (MidasDetector feeds {@code uint8 / 127.5 - 1})
     * @return predicted depth (N, H, W), non-negative
     */
    public Tensor predictDepth(Tensor pixelValues) {
        check(pixelValues);
        return sessions.get(false).run(Map.of("pixel_values", pixelValues)).get("predicted_depth");
    }

    /**
     * The depth and every intermediate the golden cases check: {@code backbone_stage1..3}, {@code embeddings},
     * {@code encoder_layers} (L, N, T, D), {@code reassembled_0..3}, {@code fused_0..3} and {@code predicted_depth}.
     */
    public Map<String, Tensor> trace(Tensor pixelValues) {
        check(pixelValues);
        return sessions.get(true).run(Map.of("pixel_values", pixelValues));
    }

    private void check(Tensor pixelValues) {
        int[] s = pixelValues.shape();
        int stride = config.patchSize();
        if (s.length != 4 || s[1] != config.backbone().numChannels() || s[2] < stride || s[3] < stride
                || s[2] % stride != 0 || s[3] % stride != 0) {
            throw new IllegalArgumentException("DPT pixel values must be (N, " + config.backbone().numChannels()
                    + ", H, W) with H and W positive multiples of " + stride + ", got " + Arrays.toString(s));
        }
    }

    /** The graph: input {@code pixel_values}, output {@code predicted_depth}, with the intermediates if asked. */
    public Model graph(boolean intermediates) {
        Graph g = engine.graph(intermediates ? "dpt_trace" : "dpt");
        Value x = g.computeInput("pixel_values", "batch", config.backbone().numChannels(), "height", "width");
        DptViTHybridEmbeddings.Output emb = embeddings.forward(g, x);
        Value hidden = emb.tokens();
        List<Value> layerOutputs = new ArrayList<>();
        for (DptViTLayer layer : layers) {
            hidden = layer.forward(g, hidden);
            layerOutputs.add(hidden);
        }
        int[] out = config.backboneOutIndices();
        Value[] features = new Value[4];
        features[0] = emb.backboneStages().get(0);
        features[1] = emb.backboneStages().get(1);
        for (int i = 2; i < 4; i++) {
            features[i] = reassemble[i].forward(g, layerOutputs.get(out[i]), emb.gridShape());
        }
        Value fused = null;
        Value[] fusedOut = new Value[4];
        for (int i = 0; i < 4; i++) {
            Value level = neckConvs[3 - i].forward(g, features[3 - i]);             // (N, F, h_i, w_i)
            fused = i == 0 ? fusion[0].forward(g, level, null) : fusion[i].forward(g, fused, level);
            fusedOut[i] = fused;
        }
        Value depth = head0.forward(g, fused);
        depth = head2.forward(g, g.upsampleBilinearAlignCorners(depth, 2f));
        depth = g.relu(head4.forward(g, g.relu(depth)));                           // (N, 1, H, W)
        g.output("predicted_depth", g.node("Squeeze", List.of(depth, g.longs(1)), List.of()));
        if (intermediates) {
            for (int i = 0; i < 3; i++) {
                g.output("backbone_stage" + (i + 1), emb.backboneStages().get(i));
            }
            g.output("embeddings", emb.tokens());
            Value[] stacked = layerOutputs.stream().map(v -> g.unsqueeze(v, 0)).toArray(Value[]::new);
            g.output("encoder_layers", g.concat(0, stacked));
            for (int i = 0; i < 4; i++) {
                g.output("reassembled_" + i, features[i]);
                g.output("fused_" + i, fusedOut[i]);
            }
        }
        return g.build();
    }

    @Override
    public void close() {
        sessions.close();
    }
}
