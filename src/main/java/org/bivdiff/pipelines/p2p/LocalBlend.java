package org.bivdiff.pipelines.p2p;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.unet2d.AttentionLayer;
import org.bivdiff.pipelines.Tensors;
import org.bivdiff.tensor.Tensor;

/**
 * Port of BIVDiff models/Prompt2Prompt/pipeline_prompt2prompt.py::LocalBlend, the controller's step callback:
 * a mask from the blend words' summed cross-attention maps keeps the edited branch only where those words
 * attend, and the source branch elsewhere.
 *
 * <p>Kept from the reference on purpose: the maps are {@code attention_store['down_cross'][2:4] +
 * ['up_cross'][:3]}, where the store lists only cross maps with at most 32 * 32 queries; each (2 * heads, Q, L)
 * map is reshaped literally to (2, -1, 1, 16, 16, L), which regroups heads and positions unless Q = 256 (SD at
 * 512 x 512); max pooling has kernel 3, stride 1, padding 1.
 */
public final class LocalBlend {

    /** {@code AttentionStore.forward}: maps with more queries are not stored. */
    static final int STORE_MAX_QUERY = 32 * 32;
    /** The side of the reference's hard-coded reshape. */
    static final int MAP_SIDE = 16;

    /**
     * One step's blend.
     *
     * @param maps    (2, 1, h, w): per prompt, the pooled, resized maps divided by their maximum
     * @param mask    (1, 1, h, w): 1 where either prompt's map exceeds the threshold
     * @param latents (2, C, h, w): {@code x[:1] + mask * (x - x[:1])}
     */
    public record Step(Tensor maps, Tensor mask, Tensor latents) {
    }

    private final int tokens;
    private final float[] alphaLayers;                                               // (2, tokens)
    private final float threshold;

    /**
     * @param prompts   [source, edited]
     * @param words     per prompt, the words whose attention defines the edited region
     * @param threshold a normalised map value above it is inside the mask (the reference's default is 0.3)
     * @param tokens    {@code max_num_words}, the text length (77)
     */
    public LocalBlend(ClipTokenizer tokenizer, List<String> prompts, List<String> words, double threshold,
                      int tokens) {
        if (prompts.size() != 2 || words.size() != 2) {
            throw new IllegalArgumentException("LocalBlend needs one word per prompt of [source, edited], got "
                    + words + " for " + prompts);
        }
        this.tokens = tokens;
        this.threshold = (float) threshold;
        this.alphaLayers = new float[2 * tokens];
        for (int p = 0; p < 2; p++) {
            for (int index : TokenAlignment.wordIndices(tokenizer, prompts.get(p), words.get(p))) {
                if (index >= tokens) {
                    throw new IllegalArgumentException("\"" + words.get(p) + "\" sits past token " + tokens);
                }
                alphaLayers[p * tokens + index] = 1f;
            }
        }
    }

    /** {@code LocalBlend.alpha_layers}: (2, 1, 1, 1, 1, tokens), 1 at each prompt's blend-word tokens. */
    public Tensor alphaLayers() {
        return Tensor.of(alphaLayers.clone(), 2, 1, 1, 1, 1, tokens);
    }

    /**
     * The layers whose maps LocalBlend reads: among the cross-attention layers with at most 32 * 32 queries,
     * the third and fourth of the down blocks and the first three of the up blocks.
     */
    public static List<Integer> mapLayers(List<AttentionLayer> layers) {
        List<Integer> down = new ArrayList<>();
        List<Integer> up = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            AttentionLayer l = layers.get(i);
            if (l.cross() && l.queryLength() <= STORE_MAX_QUERY) {
                if (l.place() == AttentionLayer.Place.DOWN) {
                    down.add(i);
                } else if (l.place() == AttentionLayer.Place.UP) {
                    up.add(i);
                }
            }
        }
        List<Integer> out = new ArrayList<>(down.subList(Math.min(2, down.size()), Math.min(4, down.size())));
        out.addAll(up.subList(0, Math.min(3, up.size())));
        return out;
    }

    /**
     * Checks that the reference's literal {@code reshape(2, -1, 1, 16, 16, tokens)} can view every map LocalBlend
     * reads at this layout: heads x queries of each must be a multiple of 16 * 16 (true for Stable Diffusion 1.x at
     * 512 x 512, not at every size).
     *
     * @param layers the UNet's attention layers at the run's latent size
     * @throws IllegalArgumentException naming the first map that cannot be viewed so
     */
    public static void checkLayout(List<AttentionLayer> layers) {
        List<Integer> read = mapLayers(layers);
        if (read.isEmpty()) {
            throw new IllegalArgumentException("LocalBlend reads the cross-attention maps of at most " + STORE_MAX_QUERY
                    + " queries of the down and up blocks; this UNet has none at this size");
        }
        int plane = MAP_SIDE * MAP_SIDE;
        for (int i : read) {
            AttentionLayer l = layers.get(i);
            if ((long) l.heads() * l.queryLength() % plane != 0) {
                throw new IllegalArgumentException("LocalBlend cannot view the attention map of layer " + i + " ("
                        + l.heads() + " heads x " + l.queryLength() + " queries) as (2, -1, 1, " + MAP_SIDE + ", "
                        + MAP_SIDE + ", tokens), the reference's hard-coded shape: heads x queries must be a multiple "
                        + "of " + plane + " (true at 512 x 512 for Stable Diffusion 1.x); choose another size or no "
                        + "local blend words");
            }
        }
    }

    /**
     * {@code LocalBlend.__call__(x_t, attention_store)}.
     *
     * @param latents (2, C, h, w): the scheduler's output for [source, edited]
     * @param maps    the stored maps of {@link #mapLayers}, in that order, (2 * heads, Q, tokens) each
     */
    public Step apply(Tensor latents, List<Tensor> maps) {
        int h = latents.dim(2);
        int w = latents.dim(3);
        Tensor pooled = maxPool3x3(wordMaps(maps));                                  // (2, 1, 16, 16)
        Tensor resized = Tensors.interpolateNearest(pooled, h, w);                  // (2, 1, h, w)
        float[] m = resized.data().clone();
        float[] mask = new float[h * w];
        for (int p = 0; p < 2; p++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < h * w; i++) {
                max = Math.max(max, m[p * h * w + i]);
            }
            for (int i = 0; i < h * w; i++) {
                m[p * h * w + i] /= max;
                if (m[p * h * w + i] > threshold) {
                    mask[i] = 1f;
                }
            }
        }
        return new Step(Tensor.of(m, 2, 1, h, w), Tensor.of(mask, 1, 1, h, w), blend(latents, mask));
    }

    /**
     * {@code (maps * alpha_layers).sum(-1).mean(1)} over every map's literal (2, -1, 1, 16, 16, tokens) view.
     *
     * @return (2, 1, 16, 16)
     */
    private Tensor wordMaps(List<Tensor> maps) {
        int plane = MAP_SIDE * MAP_SIDE;
        double[] sum = new double[2 * plane];
        int count = 0;
        for (Tensor map : maps) {
            float[] d = map.data();
            int perPrompt = d.length / 2;
            if (d.length % (2 * plane * tokens) != 0 || map.dim(map.rank() - 1) != tokens) {
                throw new IllegalArgumentException("LocalBlend cannot view an attention map " + map + " as (2, -1, 1, "
                        + MAP_SIDE + ", " + MAP_SIDE + ", " + tokens + "), the reference's hard-coded shape: heads x"
                        + " queries of every blended map must be a multiple of " + plane + " (true at 512 x 512 for"
                        + " Stable Diffusion 1.x)");
            }
            int groups = perPrompt / (plane * tokens);
            for (int p = 0; p < 2; p++) {
                for (int gr = 0; gr < groups; gr++) {
                    for (int i = 0; i < plane; i++) {
                        int at = p * perPrompt + (gr * plane + i) * tokens;
                        float s = 0f;
                        for (int k = 0; k < tokens; k++) {
                            s += d[at + k] * alphaLayers[p * tokens + k];
                        }
                        sum[p * plane + i] += s;
                    }
                }
            }
            count += groups;
        }
        float[] mean = new float[2 * plane];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = (float) (sum[i] / count);
        }
        return Tensor.of(mean, 2, 1, MAP_SIDE, MAP_SIDE);
    }

    /** {@code F.max_pool2d(x, (3, 3), (1, 1), padding=(1, 1))}: padding never wins. x: (N, 1, H, W). */
    private static Tensor maxPool3x3(Tensor x) {
        int n = x.dim(0);
        int h = x.dim(2);
        int w = x.dim(3);
        float[] in = x.data();
        float[] out = new float[in.length];
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    float max = Float.NEGATIVE_INFINITY;
                    for (int di = Math.max(0, i - 1); di <= Math.min(h - 1, i + 1); di++) {
                        for (int dj = Math.max(0, j - 1); dj <= Math.min(w - 1, j + 1); dj++) {
                            max = Math.max(max, in[(p * h + di) * w + dj]);
                        }
                    }
                    out[(p * h + i) * w + j] = max;
                }
            }
        }
        return new Tensor(x.shape(), out);
    }

    /** {@code x[:1] + mask * (x - x[:1])} in float32, the mask broadcast over channels. x: (2, C, h, w). */
    private static Tensor blend(Tensor x, float[] mask) {
        float[] d = x.data();
        int row = d.length / 2;
        int plane = mask.length;
        float[] out = new float[d.length];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < row; i++) {
                float src = d[i];
                out[r * row + i] = src + mask[i % plane] * (d[r * row + i] - src);
            }
        }
        return new Tensor(x.shape(), out);
    }
}
