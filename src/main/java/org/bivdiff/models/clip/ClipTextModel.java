package org.bivdiff.models.clip;

import java.io.IOException;
import java.nio.file.Path;
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
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;

/**
 * Port of transformers models/clip/modeling_clip.py::CLIPTextModel (4.31), the text encoder of Stable
 * Diffusion: token ids (B, S), S <= max_position_embeddings, to token states (B, S, D). Weight keys: those of
 * {@link ClipTextTransformer} under {@code text_model}.
 * One graph, one session created on first use and reused. Besides {@code last_hidden_state} and
 * {@code pooler_output} the graph outputs, for every {@code clip_skip} k in 1..layers, the states diffusers
 * feeds the UNet when skipping k layers: {@code final_layer_norm(hidden_states[-(k + 1)])}.
 */
public final class ClipTextModel implements AutoCloseable {

    private static final String LAST_HIDDEN_STATE = "last_hidden_state";
    private static final String POOLER_OUTPUT = "pooler_output";
    private static final String CLIP_SKIP = "clip_skip_";

    private final ClipTextConfig config;
    private final Model model;
    private final LazySessions<Void> network;

    private ClipTextModel(ClipTextConfig config, Engine engine, Model model) {
        this.config = config;
        this.model = model;
        this.network = LazySessions.single(engine, () -> model);
    }

    /**
     * Loads a transformers text encoder folder ({@code config.json} + {@code model.safetensors}).
     *
     * @throws IOException for a missing or unsupported config, missing files, or weights that do not match the
     *     config (a missing key, a wrong shape, or a key the architecture does not use; each named with the folder)
     */
    public static ClipTextModel load(Path folder, Engine engine) throws IOException {
        ClipTextConfig cfg = ClipTextConfig.read(folder);
        return Weights.load(folder, engine.computeType(), w -> build(w, cfg, engine));
    }

    /**
     * Loads a text encoder whose architecture is {@code configFolder/config.json} and whose weights are
     * {@code weights} (every one must be used): VidRD's checkpoint holds its fine-tuned text encoder this way.
     */
    public static ClipTextModel load(Path configFolder, Checkpoint weights, Engine engine) throws IOException {
        ClipTextConfig cfg = ClipTextConfig.read(configFolder);
        return Weights.load(weights, w -> build(w, cfg, engine));
    }

    /** The weight keys and shapes of the text encoder described by {@code folder/config.json}. */
    public static Map<String, long[]> parameterShapes(Path folder) throws IOException {
        ClipTextConfig cfg = ClipTextConfig.read(folder);
        return Weights.shapes(w -> build(w, cfg, Engine.cpu()));
    }

    private static ClipTextModel build(Weights root, ClipTextConfig cfg, Engine engine) {
        ClipTextTransformer textModel = ClipTextTransformer.load(root.child("text_model"), cfg);
        return new ClipTextModel(cfg, engine, graph(engine, textModel));
    }

    private static Model graph(Engine engine, ClipTextTransformer textModel) {
        Graph g = engine.graph("clip_text_model");
        Value inputIds = g.input("input_ids", DType.I64, "batch", "sequence");
        ClipTextTransformer.Output out = textModel.forward(g, inputIds);
        g.output(LAST_HIDDEN_STATE, out.lastHiddenState());
        g.output(POOLER_OUTPUT, out.pooledOutput());
        List<Value> hiddenStates = out.hiddenStates();
        int n = hiddenStates.size() - 1;
        for (int k = 1; k <= n; k++) {
            g.output(CLIP_SKIP + k, textModel.finalLayerNorm(g, hiddenStates.get(n - k)));
        }
        return g.build();
    }

    public ClipTextConfig config() {
        return config;
    }

    /** Starts creating the session on a background thread ({@link LazySessions#prefetch}); the first call waits for it. */
    public void prefetch() {
        network.prefetch();
    }

    /** The graph, for inspection or a custom session. */
    public Model graph() {
        return model;
    }

    /**
     * The encoder's outputs.
     *
     * @param lastHiddenState (B, S, D) after {@code final_layer_norm}; SD pipelines use it as encoder_hidden_states
     * @param poolerOutput    (B, D): row {@code argmax(input_ids[b])} of lastHiddenState per batch element
     */
    public record Output(Tensor lastHiddenState, Tensor poolerOutput) {
    }

    /**
     * Runs the encoder without an attention mask, as the SD pipelines call it.
     *
     * @param inputIds (B, S) token ids, 1 <= S <= max_position_embeddings
     */
    public Output forward(LongTensor inputIds) {
        Map<String, Tensor> out = run(inputIds, Set.of(LAST_HIDDEN_STATE, POOLER_OUTPUT));
        return new Output(out.get(LAST_HIDDEN_STATE), out.get(POOLER_OUTPUT));
    }

    /**
     * The token states a diffusers pipeline hands to its UNet for {@code clip_skip}: with 0 the
     * {@code last_hidden_state}; with k >= 1 {@code final_layer_norm(hidden_states[-(k + 1)])}, the output of
     * layer {@code layers - k} (k = layers: the embeddings) through the final LayerNorm.
     *
     * @param inputIds (B, S) token ids
     * @return (B, S, D)
     */
    public Tensor encoderHiddenStates(LongTensor inputIds, int clipSkip) {
        if (clipSkip < 0 || clipSkip > config.numHiddenLayers()) {
            throw new IllegalArgumentException("clip_skip must be in 0.." + config.numHiddenLayers() + " for this "
                    + config.numHiddenLayers() + "-layer text encoder, got " + clipSkip);
        }
        String name = clipSkip == 0 ? LAST_HIDDEN_STATE : CLIP_SKIP + clipSkip;
        return run(inputIds, Set.of(name)).get(name);
    }

    private Map<String, Tensor> run(LongTensor inputIds, Set<String> outputs) {
        ClipTextTransformer.checkInputIds(inputIds, config);
        return network.get().run(Map.of("input_ids", inputIds), outputs);
    }

    @Override
    public void close() {
        network.close();
    }
}
