package org.bivdiff.models.unet2d;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.LazySessions;
import org.bivdiff.graph.Model;
import org.bivdiff.graph.Network;
import org.bivdiff.graph.Value;
import org.bivdiff.io.ConfigException;
import org.bivdiff.io.DType;
import org.bivdiff.io.Spellings;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Activation;
import org.bivdiff.models.blocks.AttentionProcessor;
import org.bivdiff.models.blocks.BlockHooks;
import org.bivdiff.models.blocks.NormScope;
import org.bivdiff.models.blocks.VideoFrames;
import org.bivdiff.models.unet2d.UNet2DConditionConfig.DownBlockType;
import org.bivdiff.models.unet2d.UNet2DConditionConfig.UpBlockType;
import org.bivdiff.tensor.Tensor;

/**
 * Port of BIVDiff's "image model" for mixed inversion: models/StableDiffusion3D/unet.py
 * {@code UNet3DConditionModel.from_pretrained_2d}, the Stable Diffusion 1.x weights run on every frame
 * of a video at once. Convolutions, attention and resampling act per frame (frames folded into the
 * batch, the text embedding repeated per frame), exactly as the 2D UNet.
 *
 * <p>Reference quirk, reproduced on purpose with {@link FrameNorm#ACROSS_FRAMES}: its ResnetBlock3D
 * {@code norm1} / {@code norm2} (models/StableDiffusion3D/resnet.py) and its {@code conv_norm_out}
 * (models/StableDiffusion3D/unet.py) are torch GroupNorms applied to the 5-D {@code (B, C, F, H, W)}
 * tensor, so their statistics span all frames. The Transformer3DModel's GroupNorm
 * (models/StableDiffusion3D/attention.py) runs after folding frames into the batch and stays per
 * frame. {@link FrameNorm#PER_FRAME} is the clean 2D UNet applied frame by frame.
 */
public final class InflatedUNet3DConditionModel implements AutoCloseable {

    /** Where the resnet and output GroupNorms take their statistics. */
    public enum FrameNorm {
        /** Over all frames of each video, as BIVDiff's inflated UNet does. */
        ACROSS_FRAMES,
        /** Over each frame, as the 2D UNet applied frame by frame. */
        PER_FRAME
    }

    private static final List<DownBlockType> FROM_PRETRAINED_2D_DOWN = List.of(DownBlockType.CROSS_ATTN_DOWN_BLOCK_2D,
            DownBlockType.CROSS_ATTN_DOWN_BLOCK_2D, DownBlockType.CROSS_ATTN_DOWN_BLOCK_2D, DownBlockType.DOWN_BLOCK_2D);
    private static final List<UpBlockType> FROM_PRETRAINED_2D_UP = List.of(UpBlockType.UP_BLOCK_2D,
            UpBlockType.CROSS_ATTN_UP_BLOCK_2D, UpBlockType.CROSS_ATTN_UP_BLOCK_2D, UpBlockType.CROSS_ATTN_UP_BLOCK_2D);

    private final String name;
    private final UNet2DConditionConfig config;
    private final Engine engine;
    private final UNetLayers layers;
    private final LazySessions<FrameNorm> sessions;

    private InflatedUNet3DConditionModel(String name, UNet2DConditionConfig config, Engine engine, UNetLayers layers) {
        this.name = name;
        this.config = config;
        this.engine = engine;
        this.layers = layers;
        this.sessions = new LazySessions<>(engine, this::graph);
    }

    /**
     * Inflates the 2D UNet of a diffusers folder. Its config must have the layout
     * {@code from_pretrained_2d} forces (3 x CrossAttnDownBlock + DownBlock, mirrored up blocks, one
     * transformer layer per block, SiLU): BIVDiff would otherwise load the 2D weights into a different
     * architecture without complaint ({@code strict=False}).
     */
    public static InflatedUNet3DConditionModel load(Path folder, Engine engine) throws IOException {
        UNet2DConditionConfig cfg = UNet2DConditionConfig.read(folder);
        checkInflatable(cfg, folder);
        return Weights.load(folder, engine.computeType(),
                w -> new InflatedUNet3DConditionModel("unet_inflated", cfg, engine, new UNetLayers(w, cfg)));
    }

    /**
     * The inflated UNet with a video model's temporal layers inserted into every block, as VidRD's
     * {@code from_pretrained_2d} builds it (models/ReuseAndDiffuse/model/modules/unet.py, whose per-frame layers
     * and GroupNorms are exactly this class's). The config must be inflatable as for {@link #load}.
     *
     * @param name      the graph's name
     * @param w         the 2D keys and those {@code temporal} asks for
     * @param cfg       the 2D UNet's config, read from {@code folder}
     * @param temporal  loads each block's temporal layers from the block's weights view
     */
    public static InflatedUNet3DConditionModel withTemporalLayers(String name, Weights w, UNet2DConditionConfig cfg,
                                                                  Path folder, Engine engine,
                                                                  BlockHooks.Loader temporal) throws ConfigException {
        checkInflatable(cfg, folder);
        return new InflatedUNet3DConditionModel(name, cfg, engine, new UNetLayers(w, cfg, temporal));
    }

    private static void checkInflatable(UNet2DConditionConfig cfg, Path folder) throws ConfigException {
        boolean layout = cfg.downBlockTypes().equals(FROM_PRETRAINED_2D_DOWN)
                && cfg.upBlockTypes().equals(FROM_PRETRAINED_2D_UP);
        boolean oneTransformerLayer = Arrays.stream(cfg.transformerLayersPerBlock()).allMatch(n -> n == 1);
        boolean sameLayers = Arrays.stream(cfg.layersPerBlock()).distinct().count() == 1;
        boolean plain = cfg.act() == Activation.SILU && cfg.convInKernel() == 3 && cfg.convOutKernel() == 3
                && cfg.resnetOutScaleFactor() == 1.0;
        if (!layout || !oneTransformerLayer || !sameLayers || !plain) {
            throw new ConfigException(folder.resolve("config.json") + ": BIVDiff's from_pretrained_2d builds "
                    + FROM_PRETRAINED_2D_DOWN + " / " + FROM_PRETRAINED_2D_UP + " with one transformer layer, one "
                    + "layers_per_block, SiLU and 3x3 conv_in / conv_out; this UNet differs (down " + cfg.downBlockTypes()
                    + ", up " + cfg.upBlockTypes() + ", transformer layers "
                    + Arrays.toString(cfg.transformerLayersPerBlock()) + ")");
        }
    }

    public UNet2DConditionConfig config() {
        return config;
    }

    /**
     * @param sample              (B, in_channels, F, H, W)
     * @param timestep            a single value or one per video (B)
     * @param encoderHiddenStates (B, L, cross_attention_dim), shared by the frames of a video
     * @param frameNorm           the reference's across-frames statistics or the clean per-frame UNet
     * @return (B, out_channels, F, H, W)
     */
    public Tensor forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, FrameNorm frameNorm) {
        int[] s = sample.shape();
        if (s.length != 5 || s[1] != config.inChannels() || s[0] < 1 || s[2] < 1 || s[3] < 1 || s[4] < 1) {
            throw new IllegalArgumentException("inflated UNet sample must be (B, " + config.inChannels()
                    + ", F, H, W), got " + Arrays.toString(s));
        }
        UNetInputs.checkText(encoderHiddenStates, s[0], config.crossAttentionDim());
        Tensor t = UNetInputs.broadcast(timestep, s[0]);
        return prepare(frameNorm).run(Map.of("sample", sample, "timestep", t, "encoder_hidden_states", encoderHiddenStates))
                .get("sample_out");
    }

    /**
     * The session of {@code frameNorm}'s graph, created now if no call made it yet (to make it ahead of time, on
     * another thread, while something else computes).
     */
    public Network prepare(FrameNorm frameNorm) {
        return sessions.get(frameNorm);
    }

    /** As {@link #forward(Tensor, Tensor, Tensor, FrameNorm)} with one timestep for every video. */
    public Tensor forward(Tensor sample, double timestep, Tensor encoderHiddenStates, FrameNorm frameNorm) {
        return forward(sample, Tensor.full((float) timestep, 1), encoderHiddenStates, frameNorm);
    }

    /** The graph for {@code frameNorm}, for inspection or a custom session. */
    public Model graph(FrameNorm frameNorm) {
        Graph g = engine.graph(name + "_" + Spellings.lower(frameNorm));
        Value sample = g.computeInput("sample", "batch", config.inChannels(), "frames", "height", "width");
        Value timestep = g.input("timestep", DType.F32, "batch");
        Value ehs = g.computeInput("encoder_hidden_states", "batch", "sequence", config.crossAttentionDim());
        Value frames = VideoFrames.count(g, sample);                                // (1): F
        Value x = VideoFrames.fold(g, sample);                                      // (B*F, C, H, W)
        Value t = VideoFrames.repeatPerFrame(g, timestep, frames, 1);               // (B*F)
        Value text = VideoFrames.repeatPerFrame(g, ehs, frames, 3);                 // (B*F, L, D)
        NormScope norms = frameNorm == FrameNorm.ACROSS_FRAMES ? NormScope.acrossFrames(frames) : NormScope.PER_SAMPLE;
        Value out = layers.forward(g, x, t, text, norms, Optional.of(frames), UNetLayers.Extras.NONE,
                AttentionProcessor.FUSED);                                          // (B*F, O, H, W)
        g.output("sample_out", VideoFrames.unfold(g, out, frames));                // (B, O, F, H, W)
        return g.build();
    }

    @Override
    public void close() {
        sessions.close();
    }
}
