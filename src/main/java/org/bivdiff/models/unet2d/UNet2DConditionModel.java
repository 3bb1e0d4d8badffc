package org.bivdiff.models.unet2d;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.LazySessions;
import org.bivdiff.graph.Model;
import org.bivdiff.graph.Value;
import org.bivdiff.io.DType;
import org.bivdiff.io.Spellings;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.NormScope;
import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers (0.23) models/unet_2d_condition.py::UNet2DConditionModel: predicts the noise
 * (or v) of a batch of latents at given timesteps, conditioned on text embeddings, optionally with
 * ControlNet residuals or T2I-Adapter features. Any latent size works: upsamplers take the size of
 * the matching skip connection, as diffusers' {@code upsample_size} does.
 *
 * <p>One graph per {@link Conditioning}, built when first needed, each with one session reused for
 * every call. Classifier-free guidance batches go through one call.
 */
public final class UNet2DConditionModel implements AutoCloseable {

    /** Which extra inputs a graph has. */
    public enum Conditioning {
        /** sample, timestep and text only. */
        NONE,
        /** plus {@code down_block_additional_residual_<i>} and {@code mid_block_additional_residual}. */
        CONTROLNET,
        /** plus {@code down_intrablock_additional_residual_<i>}, one per down block. */
        ADAPTER
    }

    private final UNet2DConditionConfig config;
    private final Engine engine;
    private final UNetLayers layers;
    private final LazySessions<Conditioning> sessions;

    private UNet2DConditionModel(UNet2DConditionConfig config, Engine engine, UNetLayers layers) {
        this.config = config;
        this.engine = engine;
        this.layers = layers;
        this.sessions = new LazySessions<>(engine, this::graph);
    }

    /** Loads the UNet of a diffusers folder ({@code config.json} + weights); every weight must be used. */
    public static UNet2DConditionModel load(Path folder, Engine engine) throws IOException {
        UNet2DConditionConfig cfg = UNet2DConditionConfig.read(folder);
        return Weights.load(folder, engine.computeType(),
                w -> new UNet2DConditionModel(cfg, engine, new UNetLayers(w, cfg)));
    }

    /** The weight keys and shapes of the UNet described by {@code folder/config.json}. */
    public static Map<String, long[]> parameterShapes(Path folder) throws IOException {
        UNet2DConditionConfig cfg = UNet2DConditionConfig.read(folder);
        return Weights.shapes(w -> new UNetLayers(w, cfg));
    }

    public UNet2DConditionConfig config() {
        return config;
    }

    /** The layers, for graphs other than this class's own ({@link AttentionControlUNet}). */
    UNetLayers layers() {
        return layers;
    }

    Engine engine() {
        return engine;
    }

    /**
     * @param sample              (N, in_channels, H, W)
     * @param timestep            a single value or one per batch element (N)
     * @param encoderHiddenStates (N, L, cross_attention_dim)
     * @return (N, out_channels, H, W)
     */
    public Tensor forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates) {
        Map<String, Tensor> feed = feed(sample, timestep, encoderHiddenStates);
        return run(Conditioning.NONE, feed);
    }

    /** As {@link #forward(Tensor, Tensor, Tensor)} with one timestep for the whole batch. */
    public Tensor forward(Tensor sample, double timestep, Tensor encoderHiddenStates) {
        return forward(sample, Tensor.full((float) timestep, 1), encoderHiddenStates);
    }

    /**
     * The UNet with a ControlNet's residuals added to its skip connections and mid block.
     *
     * @param residuals shapes as {@link #resSampleShapes} gives for this sample
     */
    public Tensor forwardWithControlNet(Tensor sample, Tensor timestep, Tensor encoderHiddenStates,
                                        ControlNetResiduals residuals) {
        Map<String, Tensor> feed = feed(sample, timestep, encoderHiddenStates);
        int[] s = sample.shape();
        List<int[]> shapes = resSampleShapes(s[0], s[2], s[3]);
        UNetInputs.checkShapes("down block residual", residuals.downBlockResSamples(), shapes);
        int[] midShape = shapes.getLast().clone();
        midShape[1] = config.blockOutChannels()[config.levels() - 1];
        UNetInputs.checkShapes("mid block residual", List.of(residuals.midBlockResSample()), List.of(midShape));
        for (int i = 0; i < shapes.size(); i++) {
            feed.put(downResidualName(i), residuals.downBlockResSamples().get(i));
        }
        feed.put("mid_block_additional_residual", residuals.midBlockResSample());
        return run(Conditioning.CONTROLNET, feed);
    }

    /**
     * The UNet with T2I-Adapter features added inside its down blocks (diffusers 0.23
     * {@code down_intrablock_additional_residuals}); the caller has applied the adapter scale.
     *
     * @param features one per down block, shapes as {@link #adapterFeatureShapes} gives
     */
    public Tensor forwardWithAdapter(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, List<Tensor> features) {
        Map<String, Tensor> feed = feed(sample, timestep, encoderHiddenStates);
        int[] s = sample.shape();
        UNetInputs.checkShapes("adapter feature", features,
                UNetInputs.adapterFeatureShapes(layers.downBlocks(), s[0], s[2], s[3]));
        for (int i = 0; i < features.size(); i++) {
            feed.put(intrablockName(i), features.get(i));
        }
        return run(Conditioning.ADAPTER, feed);
    }

    /** Shapes of the skip connections, conv_in's first, for an (n, *, h, w) sample. */
    public List<int[]> resSampleShapes(int n, int h, int w) {
        return UNetInputs.resSampleShapes(layers.downBlocks(), config.blockOutChannels()[0], n, h, w);
    }

    /** Shapes of the T2I-Adapter features this UNet takes for an (n, *, h, w) sample. */
    public List<int[]> adapterFeatureShapes(int n, int h, int w) {
        return UNetInputs.adapterFeatureShapes(layers.downBlocks(), n, h, w);
    }

    /**
     * Starts creating the session of {@code conditioning} on a background thread ({@link LazySessions#prefetch});
     * the first call that needs it waits for it.
     */
    public void prefetch(Conditioning conditioning) {
        sessions.prefetch(conditioning);
    }

    /** The graph of {@code conditioning}, for inspection or a custom session. */
    public Model graph(Conditioning conditioning) {
        Graph g = engine.graph("unet2d_" + Spellings.lower(conditioning));
        Value sample = g.computeInput("sample", "batch", config.inChannels(), "height", "width");
        Value timestep = g.input("timestep", DType.F32, "batch");
        Value ehs = g.computeInput("encoder_hidden_states", "batch", "sequence", config.crossAttentionDim());
        UNetLayers.Extras extras = switch (conditioning) {
            case NONE -> UNetLayers.Extras.NONE;
            case CONTROLNET -> controlNetInputs(g);
            case ADAPTER -> new UNetLayers.Extras(List.of(), Optional.empty(), adapterInputs(g));
        };
        g.output("sample_out", layers.forward(g, sample, timestep, ehs, NormScope.PER_SAMPLE, extras));
        return g.build();
    }

    private UNetLayers.Extras controlNetInputs(Graph g) {
        List<Integer> channels = UNetBlocks.resSampleChannels(layers.downBlocks(), config.blockOutChannels()[0]);
        List<Value> down = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            down.add(g.computeInput(downResidualName(i), "batch", channels.get(i), "h" + i, "w" + i));
        }
        Value mid = g.computeInput("mid_block_additional_residual", "batch",
                config.blockOutChannels()[config.levels() - 1], "h_mid", "w_mid");
        return new UNetLayers.Extras(down, Optional.of(mid), List.of());
    }

    private List<Value> adapterInputs(Graph g) {
        List<Value> features = new ArrayList<>();
        for (int i = 0; i < layers.downBlocks().size(); i++) {
            features.add(g.computeInput(intrablockName(i), "batch", layers.downBlocks().get(i).outChannels(),
                    "fh" + i, "fw" + i));
        }
        return features;
    }

    private Map<String, Tensor> feed(Tensor sample, Tensor timestep, Tensor encoderHiddenStates) {
        Tensor t = UNetInputs.check(sample, timestep, encoderHiddenStates, config.inChannels(),
                config.crossAttentionDim());
        Map<String, Tensor> feed = new HashMap<>();
        feed.put("sample", sample);
        feed.put("timestep", t);
        feed.put("encoder_hidden_states", encoderHiddenStates);
        return feed;
    }

    private Tensor run(Conditioning conditioning, Map<String, Tensor> feed) {
        return sessions.get(conditioning).run(feed).get("sample_out");
    }

    private static String downResidualName(int i) {
        return "down_block_additional_residual_" + i;
    }

    private static String intrablockName(int i) {
        return "down_intrablock_additional_residual_" + i;
    }

    @Override
    public void close() {
        sessions.close();
    }
}
