package org.bivdiff.models.unet3d;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.LazySessions;
import org.bivdiff.graph.Model;
import org.bivdiff.graph.Value;
import org.bivdiff.io.DType;
import org.bivdiff.models.VideoUNet;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.BlockContext;
import org.bivdiff.models.blocks.Conv2d;
import org.bivdiff.models.blocks.DownBlock;
import org.bivdiff.models.blocks.GroupNorm;
import org.bivdiff.models.blocks.NormScope;
import org.bivdiff.models.blocks.TimestepEmbedding;
import org.bivdiff.models.blocks.Timesteps;
import org.bivdiff.models.blocks.UNetMidBlock2DCrossAttn;
import org.bivdiff.models.blocks.UpBlock;
import org.bivdiff.models.blocks.VideoFrames;
import org.bivdiff.models.unet2d.UNet2DConditionConfig;
import org.bivdiff.models.unet2d.UNetBlocks;
import org.bivdiff.models.unet2d.UNetInputs;
import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers (0.23) models/unet_3d_condition.py::UNet3DConditionModel, the ZeroScope /
 * ModelScope text-to-video UNet: the frames of each video are folded into the batch and run through
 * SD-style per-frame layers (the 2D blocks of {@link UNetBlocks}, GroupNorms per frame), with temporal
 * layers hooked in after every resnet ({@link TemporalConvLayer}) and every spatial transformer
 * ({@link TransformerTemporalModel}), plus {@code transformer_in} after {@code conv_in}. The time
 * embedding is computed per video and repeated per frame, as the text embedding is.
 *
 * <p>One graph, one session created on first use and reused. A guidance batch (B = 2) goes through one
 * call, all frames at once.
 */
public final class UNet3DConditionModel implements VideoUNet {

    /** transformer_in's heads: {@code TransformerTemporalModel(num_attention_heads=8, ...)} in unet_3d_condition.py. */
    static final int TRANSFORMER_IN_HEADS = 8;
    /** transformer_in's GroupNorm groups: TransformerTemporalModel's default {@code norm_num_groups=32}. */
    static final int TRANSFORMER_IN_GROUPS = 32;

    private final UNet3DConditionConfig config;
    private final Engine engine;
    private final Conv2d convIn;
    private final Timesteps timeProj;
    private final TimestepEmbedding timeEmbedding;
    private final TransformerTemporalModel transformerIn;
    private final List<DownBlock> downBlocks;
    private final UNetMidBlock2DCrossAttn midBlock;
    private final List<UpBlock> upBlocks;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;
    private final LazySessions<Void> session;

    private UNet3DConditionModel(UNet3DConditionConfig config, Engine engine, Weights w) {
        this.config = config;
        this.engine = engine;
        this.session = LazySessions.single(engine, this::graph);
        UNet2DConditionConfig spatial = config.spatialLayout();
        int c0 = config.blockOutChannels()[0];
        convIn = Conv2d.load3x3(w.child("conv_in"), config.inChannels(), c0);
        timeProj = new Timesteps(c0, true, 0);
        timeEmbedding = new TimestepEmbedding(w.child("time_embedding"), c0, spatial.timeEmbedDim(), config.act());
        transformerIn = new TransformerTemporalModel(w.child("transformer_in"), new TransformerTemporalModel.Config(c0,
                TRANSFORMER_IN_HEADS, config.attentionHeadDim(), 1, TRANSFORMER_IN_GROUPS));
        downBlocks = UNetBlocks.down(w, spatial, TemporalLayers.LOADER);
        midBlock = UNetBlocks.mid(w, spatial, TemporalLayers.LOADER);
        upBlocks = UNetBlocks.up(w, spatial, TemporalLayers.LOADER);
        convNormOut = GroupNorm.load(w.child("conv_norm_out"), c0, config.normNumGroups(), (float) config.normEps());
        convOut = Conv2d.load3x3(w.child("conv_out"), c0, config.outChannels());
    }

    /** Loads the UNet of a diffusers folder ({@code config.json} + weights); every weight must be used. */
    public static UNet3DConditionModel load(Path folder, Engine engine) throws IOException {
        UNet3DConditionConfig cfg = UNet3DConditionConfig.read(folder);
        return Weights.load(folder, engine.computeType(), w -> new UNet3DConditionModel(cfg, engine, w));
    }

    /** The weight keys and shapes of the UNet described by {@code folder/config.json}. */
    public static Map<String, long[]> parameterShapes(Path folder) throws IOException {
        UNet3DConditionConfig cfg = UNet3DConditionConfig.read(folder);
        return Weights.shapes(w -> new UNet3DConditionModel(cfg, null, w));
    }

    public UNet3DConditionConfig config() {
        return config;
    }

    @Override
    public int crossAttentionDim() {
        return config().crossAttentionDim();
    }

    @Override
    public int baseChannels() {
        return config().blockOutChannels()[0];
    }

    /**
     * Predicts the noise of a batch of videos. Shapes are checked before anything runs.
     *
     * @param sample              (B, in_channels, F, H, W)
     * @param timestep            a single value or one per video (B)
     * @param encoderHiddenStates (B, L, cross_attention_dim), shared by the frames of a video
     * @return (B, out_channels, F, H, W)
     */
    public Tensor forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates) {
        Tensor t = checkInputs(sample, timestep, encoderHiddenStates);
        return session.get().run(Map.of("sample", sample, "timestep", t, "encoder_hidden_states", encoderHiddenStates))
                .get("sample_out");
    }

    @Override
    public void prepare() {
        session.get();
    }

    /** As {@link #forward(Tensor, Tensor, Tensor)} with one timestep for every video. */
    @Override
    public Tensor forward(Tensor sample, double timestep, Tensor encoderHiddenStates) {
        return forward(sample, Tensor.full((float) timestep, 1), encoderHiddenStates);
    }

    /** Checks the shapes of a call; returns the timesteps broadcast to the batch (B). */
    Tensor checkInputs(Tensor sample, Tensor timestep, Tensor encoderHiddenStates) {
        int[] s = sample.shape();
        if (s.length != 5 || s[1] != config.inChannels() || Arrays.stream(s).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("UNet3D sample must be (B, " + config.inChannels() + ", F, H, W) "
                    + "(in_channels = " + config.inChannels() + "), got " + Arrays.toString(s));
        }
        UNetInputs.checkText(encoderHiddenStates, s[0], config.crossAttentionDim());
        return UNetInputs.broadcast(timestep, s[0]);
    }

    /** The graph (inputs sample, timestep, encoder_hidden_states; output sample_out), for inspection. */
    public Model graph() {
        Graph g = engine.graph("unet3d");
        Value sample = g.computeInput("sample", "batch", config.inChannels(), "frames", "height", "width");
        Value timestep = g.input("timestep", DType.F32, "batch");
        Value ehs = g.computeInput("encoder_hidden_states", "batch", "sequence", config.crossAttentionDim());
        Value frames = VideoFrames.count(g, sample);                                // (1): F
        // 1. time, per video, then repeated per frame; the text likewise
        Value emb = timeEmbedding.forward(g, timeProj.forward(g, timestep));         // (B, 4 * C0)
        emb = VideoFrames.repeatPerFrame(g, emb, frames, 2);                        // (B*F, 4 * C0)
        Value text = VideoFrames.repeatPerFrame(g, ehs, frames, 3);                 // (B*F, L, D)
        BlockContext ctx = new BlockContext(emb, text, NormScope.PER_SAMPLE, Optional.of(frames));
        // 2. pre-process: fold frames, conv_in, transformer_in over the frames
        Value h = convIn.forward(g, VideoFrames.fold(g, sample));                   // (B*F, C0, H, W)
        h = transformerIn.forward(g, h, frames);
        // 3. down
        UNetBlocks.DownPath down = UNetBlocks.runDown(g, downBlocks, h, ctx, List.of());
        List<Value> res = down.resSamples();
        // 4. mid
        h = midBlock.forward(g, down.hidden(), ctx);
        // 5. up: each block takes its skips from the end; the next skip gives the upsampling size
        for (UpBlock block : upBlocks) {
            List<Value> mine = new ArrayList<>(res.subList(res.size() - block.resnetCount(), res.size()));
            res = new ArrayList<>(res.subList(0, res.size() - block.resnetCount()));
            Optional<Value> upsampleTo = res.isEmpty() ? Optional.empty() : Optional.of(res.getLast());
            h = block.forward(g, h, mine, ctx, upsampleTo);
        }
        // 6. post-process, per frame, then frames back out of the batch
        h = g.silu(convNormOut.forward(g, h));                                      // conv_act is nn.SiLU() whatever act_fn
        h = convOut.forward(g, h);                                                  // (B*F, O, H, W)
        g.output("sample_out", VideoFrames.unfold(g, h, frames));                  // (B, O, F, H, W)
        return g.build();
    }

    @Override
    public void close() {
        session.close();
    }
}
