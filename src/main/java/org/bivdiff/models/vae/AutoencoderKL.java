package org.bivdiff.models.vae;

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
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.DType;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Conv2d;
import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers models/autoencoder_kl.py::AutoencoderKL: images in [-1, 1] to a diagonal
 * Gaussian over latents and latents back to images. Two graphs (encode, decode), each with one
 * session created on first use and reused; batches can be cut into slices to bound memory.
 *
 * <p>Encoding and decoding do not apply {@link #scalingFactor()}: pipelines multiply encoded latents
 * by it and divide before decoding, as diffusers' pipelines do.
 */
public final class AutoencoderKL implements AutoCloseable {

    private final AutoencoderKLConfig config;
    private final int sliceSize;
    private final Model encodeModel;
    private final Model decodeModel;
    private final LazySessions<Void> encoder;
    private final LazySessions<Void> decoder;

    private AutoencoderKL(AutoencoderKLConfig config, Engine engine, int sliceSize, Model encodeModel,
                          Model decodeModel) {
        this.config = config;
        this.sliceSize = sliceSize;
        this.encodeModel = encodeModel;
        this.decodeModel = decodeModel;
        this.encoder = LazySessions.single(engine, () -> encodeModel);
        this.decoder = LazySessions.single(engine, () -> decodeModel);
    }

    /** Loads the VAE of a diffusers folder ({@code config.json} + weights), no batch slicing. */
    public static AutoencoderKL load(Path folder, Engine engine) throws IOException {
        return load(folder, engine, 0);
    }

    /**
     * Loads the VAE of a diffusers folder to run one image per call, as the pipelines do: the results
     * are those of a whole-batch call (every layer is per image), and memory stays at one image's
     * activations (about 1 GB at 512x512; decoding 8 such frames at once took a BIVDiff run past 23 GB).
     */
    public static AutoencoderKL loadPerImage(Path folder, Engine engine) throws IOException {
        return load(folder, engine, 1);
    }

    /**
     * Loads the VAE of a diffusers folder.
     *
     * @param sliceSize images per network call, or 0 for the whole batch at once
     */
    public static AutoencoderKL load(Path folder, Engine engine, int sliceSize) throws IOException {
        if (sliceSize < 0) {
            throw new IllegalArgumentException("slice size must be >= 0, got " + sliceSize);
        }
        AutoencoderKLConfig cfg = AutoencoderKLConfig.read(folder);
        return Weights.load(folder, engine.computeType(), w -> build(w, cfg, engine, sliceSize));
    }

    /**
     * Loads a VAE whose architecture is {@code configFolder/config.json} and whose weights are {@code weights}
     * (every one must be used), no batch slicing.
     */
    public static AutoencoderKL load(Path configFolder, Checkpoint weights, Engine engine) throws IOException {
        AutoencoderKLConfig cfg = AutoencoderKLConfig.read(configFolder);
        return Weights.load(weights, w -> build(w, cfg, engine, 0));
    }

    /** The weight keys and shapes of the VAE described by {@code folder/config.json}. */
    public static Map<String, long[]> parameterShapes(Path folder) throws IOException {
        AutoencoderKLConfig cfg = AutoencoderKLConfig.read(folder);
        return Weights.shapes(w -> build(w, cfg, Engine.cpu(), 0));
    }

    private static AutoencoderKL build(Weights w, AutoencoderKLConfig cfg, Engine engine, int sliceSize) {
        int latent2 = 2 * cfg.latentChannels();
        Encoder enc = new Encoder(w.child("encoder"), cfg);
        Conv2d quantConv = Conv2d.load1x1(w.child("quant_conv"), latent2, latent2);
        Decoder dec = new Decoder(w.child("decoder"), cfg);
        Conv2d postQuantConv = Conv2d.load1x1(w.child("post_quant_conv"), cfg.latentChannels(), cfg.latentChannels());
        return new AutoencoderKL(cfg, engine, sliceSize, encodeGraph(engine, cfg, enc, quantConv),
                decodeGraph(engine, cfg, dec, postQuantConv));
    }

    private static Model encodeGraph(Engine engine, AutoencoderKLConfig cfg, Encoder enc, Conv2d quantConv) {
        Graph g = engine.graph("vae_encode");
        Value image = g.computeInput("image", "batch", cfg.inChannels(), "height", "width");
        Value moments = quantConv.forward(g, enc.forward(g, image));                    // (N, 2L, h, w)
        List<Value> parts = g.split(moments, 1, 2);
        Value logvar = g.clip(parts.get(1), -30f, 20f);
        g.output("mean", parts.get(0));
        g.output("logvar", logvar);
        g.output("std", g.exp(g.mul(logvar, g.scalar(0.5f))));
        return g.build();
    }

    private static Model decodeGraph(Engine engine, AutoencoderKLConfig cfg, Decoder dec, Conv2d postQuantConv) {
        Graph g = engine.graph("vae_decode");
        Value z = g.computeInput("z", "batch", cfg.latentChannels(), "height", "width");
        g.output("sample", dec.forward(g, postQuantConv.forward(g, z)));
        return g.build();
    }

    public AutoencoderKLConfig config() {
        return config;
    }

    /** The encoder graph ({@code image} to {@code mean}, {@code logvar}, {@code std}), for inspection or a custom session. */
    public Model encodeGraph() {
        return encodeModel;
    }

    /** The decoder graph ({@code z} to {@code sample}), for inspection or a custom session. */
    public Model decodeGraph() {
        return decodeModel;
    }

    /** Latents are multiplied by this after encoding and divided by it before decoding. */
    public double scalingFactor() {
        return config.scalingFactor();
    }

    /**
     * Encodes images.
     *
     * @param image (N, in_channels, H, W) in [-1, 1], H and W multiples of {@link AutoencoderKLConfig#scaleFactor()}
     */
    public LatentDistribution encode(Tensor image) {
        check(image, config.inChannels(), config.scaleFactor(), "image");
        List<Tensor> mean = new ArrayList<>();
        List<Tensor> logvar = new ArrayList<>();
        List<Tensor> std = new ArrayList<>();
        for (Tensor slice : slices(image)) {
            Map<String, Tensor> out = encoder.get().run(Map.of("image", slice));
            mean.add(out.get("mean"));
            logvar.add(out.get("logvar"));
            std.add(out.get("std"));
        }
        return new LatentDistribution(Tensor.concat0(mean), Tensor.concat0(logvar), Tensor.concat0(std));
    }

    /**
     * Decodes latents (already divided by the scaling factor).
     *
     * @param z (N, latent_channels, h, w)
     * @return (N, out_channels, h * f, w * f), nominally in [-1, 1]
     */
    public Tensor decode(Tensor z) {
        check(z, config.latentChannels(), 1, "latents");
        List<Tensor> out = new ArrayList<>();
        for (Tensor slice : slices(z)) {
            out.add(decoder.get().run(Map.of("z", slice)).get("sample"));
        }
        return Tensor.concat0(out);
    }

    /**
     * Creates the decoder's session now rather than at the first {@link #decode}, so that it can be made ahead of
     * time (on another thread, while something else computes).
     */
    public void prepareDecoder() {
        decoder.get();
    }

    /**
     * Starts creating the decoder's session on a background thread ({@link LazySessions#prefetch}); the first
     * {@link #decode} waits for it.
     */
    public void prefetchDecoder() {
        decoder.prefetch();
    }

    private List<Tensor> slices(Tensor x) {
        int n = x.dim(0);
        int step = sliceSize == 0 ? n : sliceSize;
        List<Tensor> parts = new ArrayList<>();
        for (int i = 0; i < n; i += step) {
            parts.add(n <= step ? x : x.slice0(i, Math.min(n, i + step)));
        }
        return parts;
    }

    private static void check(Tensor x, int channels, int multiple, String what) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != channels || s[0] == 0 || s[2] % multiple != 0 || s[3] % multiple != 0
                || s[2] == 0 || s[3] == 0) {
            throw new IllegalArgumentException("VAE " + what + " must be (N, " + channels + ", H, W) with H and W "
                    + "positive multiples of " + multiple + ", got " + Arrays.toString(s));
        }
    }

    @Override
    public void close() {
        encoder.close();
        decoder.close();
    }
}
