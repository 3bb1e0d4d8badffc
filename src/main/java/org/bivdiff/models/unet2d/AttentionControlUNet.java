package org.bivdiff.models.unet2d;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.LazySessions;
import org.bivdiff.graph.Model;
import org.bivdiff.graph.Value;
import org.bivdiff.io.DType;
import org.bivdiff.models.blocks.NormScope;
import org.bivdiff.tensor.Tensor;

/**
 * A UNet2DConditionModel whose attention layers all run Prompt-to-Prompt's processor (BIVDiff
 * models/Prompt2Prompt/pipeline_prompt2prompt.py::register_attention_control): attention probabilities formed
 * explicitly and edited for the second prompt of the conditional half ({@link AttentionEditProcessor}), and the
 * edited probabilities of chosen layers returned. The batch is always the guidance batch of two prompts,
 * [uncond source, uncond edited, cond source, cond edited], in one call, since the edit reads the source rows.
 *
 * <p>The plain UNet's graphs are untouched: this is a separate graph over the same layers, one session per
 * {@link Plan}. Does not own the UNet.
 */
public final class AttentionControlUNet implements AutoCloseable {

    /** Rows of a call: two prompts, each with its unconditional row. */
    public static final int BATCH = 4;

    /**
     * What a graph edits and returns, for one latent size.
     *
     * @param height       latent height
     * @param width        latent width
     * @param selfReplaced indices (into {@link #attentionLayers}) of the self-attention layers the self-replace
     *                     flag applies to
     * @param returned     indices of the layers whose edited conditional probabilities a call returns
     */
    public record Plan(int height, int width, Set<Integer> selfReplaced, Set<Integer> returned) {

        public Plan {
            selfReplaced = Set.copyOf(selfReplaced);
            returned = Set.copyOf(returned);
        }
    }

    /**
     * The edit of one call.
     *
     * @param crossReplaceAlpha (L): weight of the replaced cross-attention per text token
     * @param replaceSelf       whether the planned self-attention layers copy the source prompt's probabilities
     * @param mapper            (L, L): edited token n takes {@code sum_w base[w] * mapper[w, n]}
     * @param mapperAlphas      (L): per edited token, the share of the mapped source (the rest keeps its own)
     */
    public record Edit(Tensor crossReplaceAlpha, boolean replaceSelf, Tensor mapper, Tensor mapperAlphas) {

        public Edit {
            int l = crossReplaceAlpha.numel();
            if (crossReplaceAlpha.rank() != 1 || mapperAlphas.rank() != 1 || mapperAlphas.dim(0) != l
                    || mapper.rank() != 2 || mapper.dim(0) != l || mapper.dim(1) != l) {
                throw new IllegalArgumentException("edit tensors must be (L), (L, L), (L); got " + crossReplaceAlpha
                        + ", " + mapper + ", " + mapperAlphas);
            }
        }
    }

    /**
     * @param sample         (4, out_channels, h, w)
     * @param attentionProbs by layer index: (2 * heads, S, L), the conditional rows after the edit
     */
    public record Output(Tensor sample, Map<Integer, Tensor> attentionProbs) {
    }

    private final UNet2DConditionModel unet;
    private final LazySessions<Plan> sessions;

    public AttentionControlUNet(UNet2DConditionModel unet) {
        this.unet = Objects.requireNonNull(unet, "unet");
        this.sessions = new LazySessions<>(unet.engine(), this::graph);
    }

    /** The attention layers a call on (*, *, h, w) latents meets, in call order. */
    public List<AttentionLayer> attentionLayers(int h, int w) {
        return unet.layers().attentionLayers(h, w);
    }

    /**
     * @param sample              (4, in_channels, h, w) with h, w those of the plan
     * @param timestep            one value, or one per row
     * @param encoderHiddenStates (4, L, cross_attention_dim)
     */
    public Output forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, Plan plan, Edit edit) {
        UNet2DConditionConfig cfg = unet.config();
        Tensor t = UNetInputs.check(sample, timestep, encoderHiddenStates, cfg.inChannels(), cfg.crossAttentionDim());
        int[] s = sample.shape();
        if (s[0] != BATCH || s[2] != plan.height() || s[3] != plan.width()) {
            throw new IllegalArgumentException("the attention-controlled UNet takes (" + BATCH + ", C, "
                    + plan.height() + ", " + plan.width() + ") latents (two prompts with guidance), got "
                    + Arrays.toString(s));
        }
        if (encoderHiddenStates.dim(1) != edit.mapper().dim(0)) {
            throw new IllegalArgumentException("the edit covers " + edit.mapper().dim(0) + " tokens, the text has "
                    + encoderHiddenStates.dim(1));
        }
        Map<String, Tensor> feed = new HashMap<>();
        feed.put("sample", sample);
        feed.put("timestep", t);
        feed.put("encoder_hidden_states", encoderHiddenStates);
        feed.put("cross_replace_alpha", edit.crossReplaceAlpha());
        feed.put("self_replace", Tensor.full(edit.replaceSelf() ? 1f : 0f, 1));
        feed.put("edit_mapper", edit.mapper());
        feed.put("edit_mapper_alphas", edit.mapperAlphas());
        Map<String, Tensor> out = sessions.get(plan).run(feed);
        Map<Integer, Tensor> probs = new LinkedHashMap<>();
        for (int i : new TreeSet<>(plan.returned())) {
            probs.put(i, out.get(probsName(i)));
        }
        return new Output(out.get("sample_out"), probs);
    }

    /** The graph of {@code plan}, for inspection or a custom session. */
    public Model graph(Plan plan) {
        UNet2DConditionConfig cfg = unet.config();
        List<AttentionLayer> layers = attentionLayers(plan.height(), plan.width());
        for (int i : plan.selfReplaced()) {
            checkIndex(layers, i, "self-replaced");
            if (layers.get(i).cross()) {
                throw new IllegalArgumentException("layer " + i + " is a cross-attention; only self-attention"
                        + " layers can be self-replaced");
            }
        }
        plan.returned().forEach(i -> checkIndex(layers, i, "returned"));
        Graph g = unet.engine().graph("unet2d_attention_control");
        Value sample = g.computeInput("sample", BATCH, cfg.inChannels(), plan.height(), plan.width());
        Value timestep = g.input("timestep", DType.F32, BATCH);
        Value ehs = g.computeInput("encoder_hidden_states", BATCH, "sequence", cfg.crossAttentionDim());
        AttentionEditProcessor.Inputs edit = new AttentionEditProcessor.Inputs(
                g.computeInput("cross_replace_alpha", "sequence"), g.computeInput("self_replace", 1),
                g.computeInput("edit_mapper", "sequence", "sequence"),
                g.computeInput("edit_mapper_alphas", "sequence"));
        AttentionEditProcessor processor = new AttentionEditProcessor(layers, plan.selfReplaced(), plan.returned(),
                edit);
        g.output("sample_out", unet.layers().forward(g, sample, timestep, ehs, NormScope.PER_SAMPLE,
                UNetLayers.Extras.NONE, processor));
        processor.returnedProbs().forEach((i, p) -> g.output(probsName(i), p));
        return g.build();
    }

    private static void checkIndex(List<AttentionLayer> layers, int i, String what) {
        if (i < 0 || i >= layers.size()) {
            throw new IllegalArgumentException(what + " layer " + i + " outside the UNet's " + layers.size()
                    + " attention layers");
        }
    }

    private static String probsName(int layer) {
        return "attention_probs_" + layer;
    }

    @Override
    public void close() {
        sessions.close();
    }
}
