package org.bivdiff.models.adapter;

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
import org.bivdiff.models.blocks.Conv2d;
import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers (0.23) models/adapter.py::T2IAdapter with FullAdapter: pixel-unshuffle by
 * {@code downscale_factor}, {@code adapter.conv_in}, then one AdapterBlock per level
 * ({@code adapter.body.<i>}: 2x2 average pool from the second level on, a 1x1 {@code in_conv} when
 * the width changes, and AdapterResnetBlocks {@code resnets.<j>}: 3x3 {@code block1}, ReLU, 1x1
 * {@code block2}, plus the input). Each level's output is one feature for the UNet's down blocks.
 */
public final class T2IAdapter implements AutoCloseable {

    private final T2IAdapterConfig config;
    private final Engine engine;
    private final Conv2d convIn;
    private final List<AdapterBlock> body = new ArrayList<>();
    private final LazySessions<Void> session;

    private T2IAdapter(Weights root, T2IAdapterConfig config, Engine engine) {
        this.config = config;
        this.engine = engine;
        this.session = LazySessions.single(engine, this::graph);
        Weights w = root.child("adapter");
        int[] ch = config.channels();
        int r = config.downscaleFactor();
        convIn = Conv2d.load3x3(w.child("conv_in"), config.inChannels() * r * r, ch[0]);
        for (int i = 0; i < ch.length; i++) {
            body.add(new AdapterBlock(w.child("body").child(i), ch[Math.max(i - 1, 0)], ch[i], config.numResBlocks(),
                    i > 0));
        }
    }

    /** Loads the adapter of a diffusers folder; every weight must be used. */
    public static T2IAdapter load(Path folder, Engine engine) throws IOException {
        T2IAdapterConfig cfg = T2IAdapterConfig.read(folder);
        return Weights.load(folder, engine.computeType(), w -> new T2IAdapter(w, cfg, engine));
    }

    /** The weight keys and shapes of the adapter described by {@code folder/config.json}. */
    public static Map<String, long[]> parameterShapes(Path folder) throws IOException {
        T2IAdapterConfig cfg = T2IAdapterConfig.read(folder);
        return Weights.shapes(w -> new T2IAdapter(w, cfg, Engine.cpu()));
    }

    public T2IAdapterConfig config() {
        return config;
    }

    /**
     * @param image (N, in_channels, H, W) in [0, 1], H and W multiples of downscale_factor
     * @return one feature per level: (N, channels[i], H / d / 2^i, W / d / 2^i), rounding up
     */
    public List<Tensor> forward(Tensor image) {
        int[] s = image.shape();
        int r = config.downscaleFactor();
        if (s.length != 4 || s[1] != config.inChannels() || s[2] < 1 || s[3] < 1 || s[2] % r != 0 || s[3] % r != 0) {
            throw new IllegalArgumentException("adapter image must be (N, " + config.inChannels() + ", H, W) with H "
                    + "and W positive multiples of downscale_factor " + r + ", got " + Arrays.toString(s));
        }
        Map<String, Tensor> out = session.get().run(Map.of("image", image));
        List<Tensor> features = new ArrayList<>();
        for (int i = 0; i < config.channels().length; i++) {
            features.add(out.get("feature_" + i));
        }
        return features;
    }

    /** Each feature times {@code scale}, as StableDiffusionAdapterPipeline applies adapter_conditioning_scale. */
    public static List<Tensor> scaled(List<Tensor> features, double scale) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor f : features) {
            float[] d = f.data().clone();
            for (int i = 0; i < d.length; i++) {
                d[i] *= (float) scale;
            }
            out.add(new Tensor(f.shape(), d));
        }
        return out;
    }

    /** Starts creating the session on a background thread ({@link LazySessions#prefetch}); the first run waits for it. */
    public void prefetch() {
        session.prefetch();
    }

    /** The graph, for inspection or a custom session. */
    public Model graph() {
        Graph g = engine.graph("t2i_adapter");
        Value x = g.computeInput("image", "batch", config.inChannels(), "height", "width");
        x = convIn.forward(g, pixelUnshuffle(g, x, config.inChannels(), config.downscaleFactor()));
        for (int i = 0; i < body.size(); i++) {
            x = body.get(i).forward(g, x);
            g.output("feature_" + i, x);                                             // (N, channels[i], h_i, w_i)
        }
        return g.build();
    }

    /** torch.nn.PixelUnshuffle: (N, C, H, W) -> (N, C * r * r, H / r, W / r), channel c * r^2 + i * r + j. */
    private static Value pixelUnshuffle(Graph g, Value x, int channels, int r) {
        Value shape = g.shape(x);
        Value n = g.slice(shape, new long[] {0}, new long[] {1}, new long[] {0});
        Value hw = g.div(g.slice(shape, new long[] {2}, new long[] {4}, new long[] {0}), g.longs(r));
        Value h = g.slice(hw, new long[] {0}, new long[] {1}, new long[] {0});
        Value w = g.slice(hw, new long[] {1}, new long[] {2}, new long[] {0});
        Value blocks = g.reshape(x, g.concat(0, n, g.longs(channels), h, g.longs(r), w, g.longs(r)));
        Value moved = g.transpose(blocks, 0, 1, 3, 5, 2, 4);                       // (N, C, r, r, H/r, W/r)
        return g.reshape(moved, g.concat(0, n, g.longs((long) channels * r * r), h, w));
    }

    @Override
    public void close() {
        session.close();
    }
}
