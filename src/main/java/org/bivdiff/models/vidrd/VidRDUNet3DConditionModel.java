package org.bivdiff.models.vidrd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Model;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.ConfigException;
import org.bivdiff.models.VideoUNet;
import org.bivdiff.models.Weights;
import org.bivdiff.models.WeightsException;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel.FrameNorm;
import org.bivdiff.models.unet2d.UNet2DConditionConfig;
import org.bivdiff.tensor.Tensor;

/**
 * Port of VidRD's UNet (BIVDiff models/ReuseAndDiffuse/model/modules/unet.py {@code UNet3DConditionModel}) as
 * {@code from_pretrained_2d(..., add_temp_embed, add_temp_conv)} builds it from a Stable Diffusion 2.1-base UNet:
 * the 2D layers run on every frame (convolutions per frame, the resnets' GroupNorms and {@code conv_norm_out} with
 * statistics over all frames of a video, the transformers' per frame: exactly {@link InflatedUNet3DConditionModel}),
 * with a temporal convolution stack after every resnet and a temporal attention inside every
 * BasicTransformerBlock ({@link VidRDTemporalLayers}).
 *
 * <p>The weights come from VidRD's checkpoint: {@code SDVideoModel.setup} (model.py) loads its {@code unet.*}
 * keys strictly over the inflated model, so every 2D and temporal weight is the checkpoint's. The base folder's
 * weights are only checked, as {@code from_pretrained_2d} loads them strictly first: every 2D key of the
 * architecture, nothing else (its temporal keys may be absent).
 *
 * <p>The reference never calls {@code eval()} on this UNet ({@code from_config} plus {@code load_state_dict}), so in
 * BIVDiff's inference.py the temporal convolutions' dropout (p = 0.1) is active; that is a random draw of torch's
 * generator and not reproduced: this port is the model in evaluation mode, as the golden fixtures are.
 */
public final class VidRDUNet3DConditionModel implements VideoUNet {

    /** What the temporal attention does to a one-frame video (see {@link TemporalAttention}). */
    public enum SingleFrame {
        /** The reference's quirk: the frame gets the position embedding of frame 0, no attention. */
        KEEPS_EMBEDDING,
        /** The frame passes unchanged, as the reference means to. */
        UNCHANGED
    }

    /**
     * The temporal layers {@code from_pretrained_2d} adds (the {@code VDM.VidRD} keys of BIVDiff's configs).
     *
     * @param addTempEmbed the sinusoidal frame-position embedding before each temporal attention
     * @param addTempConv  the temporal convolution stacks after the resnets
     * @param singleFrame  what the temporal attention does to a one-frame video (the reference's quirk, or
     *                     nothing)
     */
    public record Options(boolean addTempEmbed, boolean addTempConv, SingleFrame singleFrame) {

        /** VidRD as BIVDiff's configs build it: both, and the reference's single-frame behaviour. */
        public static final Options VIDRD = new Options(true, true, SingleFrame.KEEPS_EMBEDDING);

        public Options {
            Objects.requireNonNull(singleFrame, "singleFrame");
        }

        /** The {@code from_pretrained_2d} keyword arguments this port builds; any other is refused by name. */
        public static final Set<String> KWARGS = Set.of("add_temp_embed", "add_temp_conv", "add_temp_transformer",
                "add_temp_attn_only_on_upblocks", "prepend_first_frame");

        /**
         * From {@code from_pretrained_2d}'s keyword arguments ({@code SDVideoModel} hyper-parameters), false when
         * absent. {@code add_temp_transformer}, {@code add_temp_attn_only_on_upblocks} and
         * {@code prepend_first_frame} build other architectures, which VidRD's checkpoint does not have; they are
         * refused when true.
         *
         * @throws IllegalArgumentException naming an unknown or unsupported argument
         */
        public static Options fromPretrained2dKwargs(Map<String, Boolean> kwargs) {
            Set<String> unknown = new TreeSet<>(kwargs.keySet());
            unknown.removeAll(KWARGS);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("from_pretrained_2d has no argument(s) " + unknown + " (known: "
                        + new TreeSet<>(KWARGS) + ")");
            }
            for (String k : new String[] {"add_temp_transformer", "add_temp_attn_only_on_upblocks",
                                          "prepend_first_frame"}) {
                if (kwargs.getOrDefault(k, false)) {
                    throw new IllegalArgumentException(k + " = true builds another architecture than VidRD's "
                            + "checkpoint has; only add_temp_embed and add_temp_conv are supported");
                }
            }
            return new Options(kwargs.getOrDefault("add_temp_embed", false), kwargs.getOrDefault("add_temp_conv", false),
                    SingleFrame.KEEPS_EMBEDDING);
        }
    }

    private final InflatedUNet3DConditionModel unet;

    private VidRDUNet3DConditionModel(InflatedUNet3DConditionModel unet) {
        this.unet = unet;
    }

    /**
     * Builds the UNet from the 2D config of {@code unet2dFolder} and {@code weights}, the checkpoint's
     * {@code unet.} keys (prefix stripped), every one of which must be used; checks the folder's own weights as
     * {@code from_pretrained_2d} would load them.
     */
    public static VidRDUNet3DConditionModel load(Path unet2dFolder, Checkpoint weights, Options options, Engine engine)
            throws IOException {
        UNet2DConditionConfig cfg = UNet2DConditionConfig.read(unet2dFolder);
        checkBaseWeights(unet2dFolder, Weights.shapes(w -> build(w, cfg, unet2dFolder, options, null)));
        return Weights.load(weights, w -> build(w, cfg, unet2dFolder, options, engine));
    }

    /** The weight keys and shapes (the checkpoint's {@code unet.} keys without the prefix) of the UNet VidRD builds. */
    public static Map<String, long[]> parameterShapes(Path unet2dFolder, Options options) throws IOException {
        UNet2DConditionConfig cfg = UNet2DConditionConfig.read(unet2dFolder);
        return Weights.shapes(w -> build(w, cfg, unet2dFolder, options, null));
    }

    private static VidRDUNet3DConditionModel build(Weights w, UNet2DConditionConfig cfg, Path folder, Options options,
                                                   Engine engine) throws ConfigException {
        return new VidRDUNet3DConditionModel(InflatedUNet3DConditionModel.withTemporalLayers("vidrd_unet", w, cfg,
                folder, engine, VidRDTemporalLayers.loader(options)));
    }

    /**
     * {@code from_pretrained_2d}'s strict load of the 2D weights: after it adds the temporal keys the base lacks,
     * the base must hold every key of the architecture, with its shape, and no other.
     */
    private static void checkBaseWeights(Path folder, Map<String, long[]> layout) throws IOException {
        try (Checkpoint base = Checkpoint.open(folder)) {
            Set<String> missing = new TreeSet<>();
            for (String k : layout.keySet()) {
                if (!k.contains("temp_") && base.info(k).isEmpty()) {
                    missing.add(k);
                }
            }
            Set<String> unexpected = new TreeSet<>(base.names());
            unexpected.removeAll(layout.keySet());
            if (!missing.isEmpty() || !unexpected.isEmpty()) {
                throw new WeightsException(folder + ": from_pretrained_2d loads these UNet weights strictly; "
                        + (missing.isEmpty() ? "" : "missing " + abbreviate(missing) + " ")
                        + (unexpected.isEmpty() ? "" : "not in VidRD's UNet " + abbreviate(unexpected)));
            }
            for (String k : base.names()) {
                long[] shape = base.info(k).orElseThrow().shape();
                if (!Arrays.equals(shape, layout.get(k))) {
                    throw new WeightsException(folder + ": weight '" + k + "' has shape " + Arrays.toString(shape)
                            + ", the config implies " + Arrays.toString(layout.get(k)));
                }
            }
        }
    }

    private static String abbreviate(Set<String> keys) {
        return keys.size() <= 8 ? keys.toString() : keys.stream().limit(8).toList() + " and " + (keys.size() - 8)
                + " more";
    }

    public UNet2DConditionConfig config() {
        return unet.config();
    }

    @Override
    public int crossAttentionDim() {
        return config().crossAttentionDim();
    }

    @Override
    public int baseChannels() {
        return config().blockOutChannels()[0];
    }

    /** The reference's UNet: GroupNorm statistics over all frames of each video. */
    @Override
    public Tensor forward(Tensor sample, double timestep, Tensor encoderHiddenStates) {
        return forward(sample, Tensor.full((float) timestep, 1), encoderHiddenStates, FrameNorm.ACROSS_FRAMES);
    }

    /**
     * @param sample              (B, in_channels, F, H, W)
     * @param timestep            a single value or one per video (B)
     * @param encoderHiddenStates (B, L, cross_attention_dim), shared by the frames of a video
     * @param frameNorm           the resnets' and conv_norm_out's statistics: across frames as the reference,
     *                            or per frame (the clean variant; the temporal layers' own norms stay across frames)
     * @return (B, out_channels, F, H, W)
     */
    public Tensor forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, FrameNorm frameNorm) {
        return unet.forward(sample, timestep, encoderHiddenStates, frameNorm);
    }

    @Override
    public void prepare() {
        unet.prepare(FrameNorm.ACROSS_FRAMES);
    }

    /** The graph for {@code frameNorm}, for inspection or a custom session. */
    public Model graph(FrameNorm frameNorm) {
        return unet.graph(frameNorm);
    }

    @Override
    public void close() {
        unet.close();
    }
}
