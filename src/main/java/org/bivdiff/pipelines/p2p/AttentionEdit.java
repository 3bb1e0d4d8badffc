package org.bivdiff.pipelines.p2p;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.unet2d.AttentionControlUNet;
import org.bivdiff.models.unet2d.AttentionLayer;
import org.bivdiff.tensor.Tensor;

/**
 * Port of the edit controllers of BIVDiff models/Prompt2Prompt/pipeline_prompt2prompt.py
 * ({@code create_controller} with {@code AttentionControlEdit}, {@code AttentionReplace},
 * {@code AttentionRefine}) for one source and one edited prompt: the per-step cross-attention replacement
 * weights, the self-attention replacement window and the token mapping, and the edit each UNet call applies.
 *
 * <p>The controller's step counter ({@code cur_step}) advances once per UNet call, not per scheduler step, so a
 * PNDM run of N steps makes N + 1 calls and reaches the last row of the {@code cross_replace_alpha} table.
 */
public final class AttentionEdit {

    /** The edit types this port implements ({@code edit_type}). */
    public enum Type {
        /** AttentionReplace: prompts of equal word count, differing words swap their attention. */
        REPLACE,
        /** AttentionRefine: the edited prompt adds words; aligned tokens keep the source's attention. */
        REFINE
    }

    /** {@code AttentionControlEdit.replace_self_attention}: only layers with at most 16 * 16 queries. */
    static final int SELF_REPLACE_MAX_QUERY = 16 * 16;

    private final Type type;
    private final int numSteps;
    private final int tokens;
    private final float[] crossReplaceAlpha;                                        // (numSteps + 1, tokens)
    private final int selfReplaceStart;
    private final int selfReplaceEnd;
    private final float[] mapper;                                                   // (tokens, tokens)
    private final float[] mapperAlphas;                                             // (tokens)
    private final int[] refineMapper;                                               // REFINE only

    private AttentionEdit(Type type, int numSteps, int tokens, float[] crossReplaceAlpha, int[] selfReplace,
                          float[] mapper, float[] mapperAlphas, int[] refineMapper) {
        this.type = type;
        this.numSteps = numSteps;
        this.tokens = tokens;
        this.crossReplaceAlpha = crossReplaceAlpha;
        this.selfReplaceStart = selfReplace[0];
        this.selfReplaceEnd = selfReplace[1];
        this.mapper = mapper;
        this.mapperAlphas = mapperAlphas;
        this.refineMapper = refineMapper;
    }

    /**
     * The controller {@code create_controller} builds for {@code [source, edited]}.
     *
     * @param numSteps          {@code num_inference_steps}
     * @param crossReplaceSteps {@code n_cross_replace}: cross-attention is replaced during the first
     *                          {@code int(crossReplaceSteps * (numSteps + 1))} UNet calls
     * @param selfReplaceSteps  {@code n_self_replace}: self-attention is replaced during the first
     *                          {@code int(numSteps * selfReplaceSteps)} UNet calls
     * @param tokens            {@code max_num_words}, the text length (77)
     */
    public static AttentionEdit create(ClipTokenizer tokenizer, String source, String edited, Type type, int numSteps,
                                       double crossReplaceSteps, double selfReplaceSteps, int tokens) {
        Objects.requireNonNull(type, "type");
        if (numSteps < 1) {
            throw new IllegalArgumentException("num_inference_steps must be >= 1, got " + numSteps);
        }
        checkFraction("cross_replace_steps", crossReplaceSteps);
        checkFraction("self_replace_steps", selfReplaceSteps);
        float[] alpha = crossReplaceAlpha(numSteps, crossReplaceSteps, tokens);
        int[] self = {0, (int) (numSteps * selfReplaceSteps)};
        return switch (type) {
            case REPLACE -> new AttentionEdit(type, numSteps, tokens, alpha, self,
                    TokenAlignment.replacementMapper(tokenizer, source, edited, tokens), ones(tokens), null);
            case REFINE -> {
                TokenAlignment.Refinement r = TokenAlignment.refinementMapper(tokenizer, source, edited, tokens);
                yield new AttentionEdit(type, numSteps, tokens, alpha, self, oneHot(r.mapper(), tokens), r.alphas(),
                        r.mapper());
            }
        };
    }

    /**
     * {@code get_time_words_attention_alpha} for a single fraction (bounds (0, f) for every word): rows
     * {@code [int(0 * (n + 1)), int(f * (n + 1)))} are 1, the rest 0.
     *
     * @return row-major (numSteps + 1, tokens)
     */
    static float[] crossReplaceAlpha(int numSteps, double fraction, int tokens) {
        int rows = numSteps + 1;
        int start = (int) (0.0 * rows);
        int end = (int) (fraction * rows);
        float[] alpha = new float[rows * tokens];
        for (int r = start; r < Math.min(end, rows); r++) {
            Arrays.fill(alpha, r * tokens, (r + 1) * tokens, 1f);
        }
        return alpha;
    }

    /** The self-attention layers whose edited rows copy the source's while self replacement is on. */
    public static Set<Integer> selfReplacedLayers(List<AttentionLayer> layers) {
        Set<Integer> out = new HashSet<>();
        for (int i = 0; i < layers.size(); i++) {
            if (!layers.get(i).cross() && layers.get(i).queryLength() <= SELF_REPLACE_MAX_QUERY) {
                out.add(i);
            }
        }
        return out;
    }

    /** The edit of UNet call {@code call} (the controller's {@code cur_step}). */
    public AttentionControlUNet.Edit at(int call) {
        if (call < 0 || call > numSteps) {
            throw new IllegalStateException("UNet call " + call + " has no row in cross_replace_alpha ("
                    + (numSteps + 1) + " rows)");
        }
        float[] row = Arrays.copyOfRange(crossReplaceAlpha, call * tokens, (call + 1) * tokens);
        boolean self = selfReplaceStart <= call && call < selfReplaceEnd;
        return new AttentionControlUNet.Edit(Tensor.of(row, tokens), self, Tensor.of(mapper.clone(), tokens, tokens),
                Tensor.of(mapperAlphas.clone(), tokens));
    }

    public Type type() {
        return type;
    }

    /** {@code controller.cross_replace_alpha}: (numSteps + 1, 1, 1, 1, tokens), row = UNet call. */
    public Tensor crossReplaceAlpha() {
        return Tensor.of(crossReplaceAlpha.clone(), numSteps + 1, 1, 1, 1, tokens);
    }

    /** {@code controller.num_self_replace}: self-attention is replaced for calls in [start, end). */
    public int[] numSelfReplace() {
        return new int[] {selfReplaceStart, selfReplaceEnd};
    }

    /** {@code AttentionReplace.mapper}: (1, tokens, tokens). */
    public Tensor replaceMapper() {
        requireType(Type.REPLACE);
        return Tensor.of(mapper.clone(), 1, tokens, tokens);
    }

    /** {@code AttentionRefine.mapper}: (1, tokens), -1 where the edited token has no source token. */
    public Tensor refineMapper() {
        requireType(Type.REFINE);
        float[] m = new float[tokens];
        for (int i = 0; i < tokens; i++) {
            m[i] = refineMapper[i];
        }
        return Tensor.of(m, 1, tokens);
    }

    /** {@code AttentionRefine.alphas}: (1, 1, 1, tokens). */
    public Tensor refineAlphas() {
        requireType(Type.REFINE);
        return Tensor.of(mapperAlphas.clone(), 1, 1, 1, tokens);
    }

    private void requireType(Type wanted) {
        if (type != wanted) {
            throw new IllegalStateException("this is a " + type + " edit, not " + wanted);
        }
    }

    /**
     * AttentionRefine's gather {@code base[:, :, mapper]} as a matrix: column n is one at row {@code mapper[n]}
     * (Python's index -1 is the last token).
     */
    private static float[] oneHot(int[] gather, int tokens) {
        float[] m = new float[tokens * tokens];
        for (int n = 0; n < tokens; n++) {
            int w = gather[n] < 0 ? tokens + gather[n] : gather[n];
            m[w * tokens + n] = 1f;
        }
        return m;
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }

    private static void checkFraction(String name, double f) {
        if (!(f >= 0 && f <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + f);
        }
    }
}
