package org.bivdiff.models.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.LazySessions;
import org.bivdiff.graph.Model;
import org.bivdiff.graph.Value;
import org.bivdiff.io.DType;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.BlockContext;
import org.bivdiff.models.blocks.Conv2d;
import org.bivdiff.models.blocks.DownBlock;
import org.bivdiff.models.blocks.NormScope;
import org.bivdiff.models.blocks.TimestepEmbedding;
import org.bivdiff.models.blocks.Timesteps;
import org.bivdiff.models.blocks.UNetMidBlock2DCrossAttn;
import org.bivdiff.models.unet2d.ControlNetResiduals;
import org.bivdiff.models.unet2d.UNet2DConditionConfig;
import org.bivdiff.models.unet2d.UNetBlocks;
import org.bivdiff.models.unet2d.UNetInputs;
import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers (0.23) models/controlnet.py::ControlNetModel: the UNet's time embedding,
 * conv_in, down and mid blocks (the same block classes, built from the ControlNet's own weights),
 * with the embedded conditioning image added after conv_in, and a zero-initialised 1x1 conv per skip
 * connection ({@code controlnet_down_blocks.<i>}) and for the mid block
 * ({@code controlnet_mid_block}). Outputs are multiplied by the conditioning scale.
 *
 * <p>One graph and one session, reused; the scales are a graph input.
 */
public final class ControlNetModel implements AutoCloseable {

    private final ControlNetConfig config;
    private final Engine engine;
    private final Conv2d convIn;
    private final Timesteps timeProj;
    private final TimestepEmbedding timeEmbedding;
    private final ControlNetConditioningEmbedding condEmbedding;
    private final List<DownBlock> downBlocks;
    private final UNetMidBlock2DCrossAttn midBlock;
    private final List<Conv2d> controlnetDownBlocks = new ArrayList<>();
    private final Conv2d controlnetMidBlock;
    private final LazySessions<Void> session;

    private ControlNetModel(Weights w, ControlNetConfig config, Engine engine) {
        this.config = config;
        this.engine = engine;
        this.session = LazySessions.single(engine, this::graph);
        UNet2DConditionConfig u = config.unet();
        int c0 = u.blockOutChannels()[0];
        convIn = Conv2d.load3x3(w.child("conv_in"), u.inChannels(), c0);
        timeProj = new Timesteps(c0, u.flipSinToCos(), u.freqShift());
        timeEmbedding = new TimestepEmbedding(w.child("time_embedding"), c0, u.timeEmbedDim(), u.act());
        condEmbedding = new ControlNetConditioningEmbedding(w.child("controlnet_cond_embedding"),
                config.conditioningChannels(), config.conditioningEmbeddingOutChannels(), c0);
        downBlocks = UNetBlocks.down(w, u);
        List<Integer> channels = UNetBlocks.resSampleChannels(downBlocks, c0);
        for (int i = 0; i < channels.size(); i++) {
            controlnetDownBlocks.add(Conv2d.load1x1(w.child("controlnet_down_blocks").child(i), channels.get(i),
                    channels.get(i)));
        }
        midBlock = UNetBlocks.mid(w, u);
        int last = u.blockOutChannels()[u.levels() - 1];
        controlnetMidBlock = Conv2d.load1x1(w.child("controlnet_mid_block"), last, last);
    }

    /** Loads the ControlNet of a diffusers folder; every weight must be used. */
    public static ControlNetModel load(Path folder, Engine engine) throws IOException {
        ControlNetConfig cfg = ControlNetConfig.read(folder);
        return Weights.load(folder, engine.computeType(), w -> new ControlNetModel(w, cfg, engine));
    }

    /** The weight keys and shapes of the ControlNet described by {@code folder/config.json}. */
    public static Map<String, long[]> parameterShapes(Path folder) throws IOException {
        ControlNetConfig cfg = ControlNetConfig.read(folder);
        return Weights.shapes(w -> new ControlNetModel(w, cfg, Engine.cpu()));
    }

    public ControlNetConfig config() {
        return config;
    }

    /**
     * @param sample             (N, in_channels, H, W), as given to the UNet
     * @param timestep           a single value or one per batch element (N)
     * @param encoderHiddenStates (N, L, cross_attention_dim)
     * @param controlnetCond     (N, conditioning_channels, H * f, W * f) in [0, 1], f =
     *                           {@link ControlNetConfig#conditioningScaleFactor()}
     * @param conditioningScale  multiplies every residual
     * @param guessMode          diffusers' guess mode: residual i scaled by
     *                           {@code logspace(-1, 0, n + 1)[i] * conditioningScale}
     * @return residuals for {@code UNet2DConditionModel.forwardWithControlNet}
     */
    public ControlNetResiduals forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates,
                                       Tensor controlnetCond, double conditioningScale, boolean guessMode) {
        UNet2DConditionConfig u = config.unet();
        Tensor t = UNetInputs.check(sample, timestep, encoderHiddenStates, u.inChannels(), u.crossAttentionDim());
        checkCond(sample.shape(), controlnetCond.shape());
        int n = controlnetDownBlocks.size();
        Map<String, Tensor> out = session.get().run(Map.of("sample", sample, "timestep", t, "encoder_hidden_states",
                encoderHiddenStates, "controlnet_cond", controlnetCond, "conditioning_scales",
                scales(n, conditioningScale, guessMode)));
        List<Tensor> down = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            down.add(out.get("down_block_res_sample_" + i));
        }
        return new ControlNetResiduals(down, out.get("mid_block_res_sample"));
    }

    /** Starts creating the session on a background thread ({@link LazySessions#prefetch}); the first run waits for it. */
    public void prefetch() {
        session.prefetch();
    }

    /** The graph, for inspection or a custom session. */
    public Model graph() {
        UNet2DConditionConfig u = config.unet();
        Graph g = engine.graph("controlnet");
        Value sample = g.computeInput("sample", "batch", u.inChannels(), "height", "width");
        Value timestep = g.input("timestep", DType.F32, "batch");
        Value ehs = g.computeInput("encoder_hidden_states", "batch", "sequence", u.crossAttentionDim());
        Value cond = g.computeInput("controlnet_cond", "batch", config.conditioningChannels(), "cond_height",
                "cond_width");
        Value scales = g.computeInput("conditioning_scales", controlnetDownBlocks.size() + 1);
        if (config.channelOrder() == ControlNetConfig.ChannelOrder.BGR) {
            long[] reversed = new long[config.conditioningChannels()];
            Arrays.setAll(reversed, i -> reversed.length - 1 - i);
            cond = g.gather(cond, g.longs(reversed), 1);                             // torch.flip(cond, dims=[1])
        }
        Value emb = timeEmbedding.forward(g, timeProj.forward(g, timestep));
        BlockContext ctx = new BlockContext(emb, ehs, NormScope.PER_SAMPLE);
        Value h = g.add(convIn.forward(g, sample), condEmbedding.forward(g, cond)); // (N, C0, H, W)
        UNetBlocks.DownPath down = UNetBlocks.runDown(g, downBlocks, h, ctx, List.of());
        h = midBlock.forward(g, down.hidden(), ctx);
        for (int i = 0; i < controlnetDownBlocks.size(); i++) {
            Value r = controlnetDownBlocks.get(i).forward(g, down.resSamples().get(i));
            g.output("down_block_res_sample_" + i, g.mul(r, scaleAt(g, scales, i)));
        }
        Value mid = controlnetMidBlock.forward(g, h);
        g.output("mid_block_res_sample", g.mul(mid, scaleAt(g, scales, controlnetDownBlocks.size())));
        return g.build();
    }

    private static Value scaleAt(Graph g, Value scales, int i) {
        return g.gather(scales, g.longs(i), 0);                                      // (1)
    }

    /** The per-residual scales of diffusers' ControlNetModel.forward, mid block's last. */
    private static Tensor scales(int n, double conditioningScale, boolean guessMode) {
        float[] s = new float[n + 1];
        for (int i = 0; i <= n; i++) {
            // torch.logspace(-1, 0, n + 1) * conditioning_scale in guess mode
            float base = guessMode ? (float) Math.pow(10, -1 + (double) i / n) : 1f;
            s[i] = guessMode ? base * (float) conditioningScale : (float) conditioningScale;
        }
        return Tensor.of(s, n + 1);
    }

    private void checkCond(int[] sample, int[] cond) {
        int f = config.conditioningScaleFactor();
        int[] expected = {sample[0], config.conditioningChannels(), sample[2] * f, sample[3] * f};
        if (!Arrays.equals(cond, expected)) {
            throw new IllegalArgumentException("controlnet_cond must be " + Arrays.toString(expected) + " (the batch, "
                    + "conditioning_channels and " + f + "x the latent size of the sample " + Arrays.toString(sample)
                    + "), got " + Arrays.toString(cond));
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
