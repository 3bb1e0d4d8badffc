package org.bivdiff.pipelines;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers 0.23 pipelines/stable_diffusion/pipeline_stable_diffusion.py::encode_prompt (text input
 * path): tokenise each prompt to {@code model_max_length} ids (padded, truncated), run the text encoder, repeat
 * each prompt's states {@code numPerPrompt} times, and for classifier-free guidance do the same for the
 * negative prompts ({@code ""} when none are given). Does not own the tokenizer or the model.
 */
public final class PromptEncoder {

    private final ClipTokenizer tokenizer;
    private final ClipTextModel textEncoder;

    public PromptEncoder(ClipTokenizer tokenizer, ClipTextModel textEncoder) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
    }

    /** As {@link #encode(List, List, int, boolean, int)} without clip skip. */
    public PromptEmbeddings encode(List<String> prompts, List<String> negativePrompts, int numPerPrompt,
                                   boolean classifierFreeGuidance) {
        return encode(prompts, negativePrompts, numPerPrompt, classifierFreeGuidance, 0);
    }

    /**
     * Encodes prompts (and negative prompts) for a batch of {@code prompts.size() * numPerPrompt} samples.
     *
     * @param prompts         N texts
     * @param negativePrompts N texts, or null for {@code ""} each; used only with classifier-free guidance
     * @param numPerPrompt    samples per prompt (diffusers' {@code num_images_per_prompt})
     * @param clipSkip        layers to skip for the prompts (0 = none). As in diffusers 0.23 the negative prompts
     *                        always use the last layer: {@code encode_prompt} applies clip_skip only to the prompts
     * @return (N * numPerPrompt, S, D) states per list, and what was truncated
     */
    public PromptEmbeddings encode(List<String> prompts, List<String> negativePrompts, int numPerPrompt,
                                   boolean classifierFreeGuidance, int clipSkip) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompts to encode");
        }
        if (numPerPrompt < 1) {
            throw new IllegalArgumentException("numPerPrompt must be >= 1, got " + numPerPrompt);
        }
        if (negativePrompts != null && negativePrompts.size() != prompts.size()) {
            throw new IllegalArgumentException("got " + negativePrompts.size() + " negative prompts for "
                    + prompts.size() + " prompts; give one per prompt, or none");
        }
        List<PromptEmbeddings.Truncation> truncations = new ArrayList<>();
        // 1. Prompts: tokenise, encode, repeat
        LongTensor ids = tokenize(prompts, PromptEmbeddings.Kind.PROMPT, truncations);
        Tensor promptEmbeds = repeat(textEncoder.encoderHiddenStates(ids, clipSkip), numPerPrompt);
        if (!classifierFreeGuidance) {
            return new PromptEmbeddings(promptEmbeds, Optional.empty(), truncations);
        }
        // 2. Negative prompts for classifier-free guidance: the empty text when none are given
        List<String> uncond = negativePrompts != null ? negativePrompts : Collections.nCopies(prompts.size(), "");
        LongTensor uncondIds = tokenize(uncond, PromptEmbeddings.Kind.NEGATIVE_PROMPT, truncations);
        Tensor negativeEmbeds = repeat(textEncoder.forward(uncondIds).lastHiddenState(), numPerPrompt);
        return new PromptEmbeddings(promptEmbeds, Optional.of(negativeEmbeds), truncations);
    }

    /** Token ids (N, model_max_length) of {@code texts}; cut texts are recorded in {@code truncations}. */
    private LongTensor tokenize(List<String> texts, PromptEmbeddings.Kind kind,
                                List<PromptEmbeddings.Truncation> truncations) {
        int length = tokenizer.maxLength();
        long[] ids = new long[texts.size() * length];
        for (int i = 0; i < texts.size(); i++) {
            ClipTokenizer.Encoding enc = tokenizer.encode(texts.get(i));
            System.arraycopy(enc.inputIdsAsLong(), 0, ids, i * length, length);
            if (enc.truncated()) {
                List<String> tokens = enc.bpeTokens();
                truncations.add(new PromptEmbeddings.Truncation(kind, i,
                        tokens.subList(tokens.size() - enc.truncatedTokens(), tokens.size())));
            }
        }
        return new LongTensor(new int[] {texts.size(), length}, ids);
    }

    /**
     * A warning when {@code text} is longer than the tokenizer's {@code model_max_length}, naming what is cut, as
     * diffusers logs it ("The following part of your input was truncated because CLIP can only handle sequences up
     * to 77 tokens"); empty when it fits. Nothing is loaded or run: a run checks its prompts with it up front.
     *
     * @param what names the text in the message ({@code "prompt"})
     */
    public static Optional<String> truncationWarning(ClipTokenizer tokenizer, String what, String text) {
        ClipTokenizer.Encoding enc = tokenizer.encode(text);
        if (!enc.truncated()) {
            return Optional.empty();
        }
        List<String> tokens = enc.bpeTokens();
        String cut = tokenizer.decodeToken(String.join("", tokens.subList(tokens.size() - enc.truncatedTokens(),
                tokens.size())));
        return Optional.of(what + " is " + enc.untruncatedLength() + " tokens long but CLIP reads "
                + tokenizer.maxLength() + " (start and end tokens included); this end of it is ignored: \"" + cut + "\"");
    }

    /** (N, S, D) -> (N * times, S, D), each row repeated in place: torch's {@code repeat(1, times, 1).view(...)}. */
    static Tensor repeat(Tensor x, int times) {
        if (times == 1) {
            return x;
        }
        int n = x.dim(0);
        int row = x.numel() / n;
        float[] out = new float[x.numel() * times];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < times; r++) {
                System.arraycopy(x.data(), i * row, out, (i * times + r) * row, row);
            }
        }
        int[] shape = x.shape();
        shape[0] = n * times;
        return Tensor.of(out, shape);
    }
}
