package org.bivdiff.pipelines;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.bivdiff.tensor.Tensor;

/**
 * Encoded prompts, each repeated {@code numPerPrompt} times in a row (p0, p0, p1, p1, ...), as diffusers'
 * {@code encode_prompt} returns them.
 *
 * @param promptEmbeds         (N * numPerPrompt, S, D) states of the prompts
 * @param negativePromptEmbeds (N * numPerPrompt, S, D) states of the negative prompts; present only when
 *                             classifier-free guidance was asked for
 * @param truncations          one entry per prompt or negative prompt that did not fit, in input order
 */
public record PromptEmbeddings(Tensor promptEmbeds, Optional<Tensor> negativePromptEmbeds,
                               List<Truncation> truncations) {

    public PromptEmbeddings {
        truncations = List.copyOf(truncations);
        negativePromptEmbeds.ifPresent(n -> {
            if (!Arrays.equals(n.shape(), promptEmbeds.shape())) {
                throw new IllegalArgumentException("negative prompt embeddings " + n + " do not match " + promptEmbeds);
            }
        });
    }

    /**
     * The UNet's {@code encoder_hidden_states}: with guidance {@code cat([negative, positive])}
     * (2 * N * numPerPrompt, S, D), batch order [uncond, cond] as the SD pipelines build it; without, the
     * prompt states alone.
     */
    public Tensor encoderHiddenStates() {
        return negativePromptEmbeds.map(n -> Tensor.concat0(List.of(n, promptEmbeds))).orElse(promptEmbeds);
    }

    /** Whether negative embeddings were computed for classifier-free guidance. */
    public boolean classifierFreeGuidance() {
        return negativePromptEmbeds.isPresent();
    }

    /** Which list a truncated text came from. */
    public enum Kind { PROMPT, NEGATIVE_PROMPT }

    /**
     * A text longer than the tokenizer's {@code model_max_length}: what was cut, so the caller can warn as
     * diffusers does ("The following part of your input was truncated ...").
     *
     * @param kind          prompt or negative prompt
     * @param index         position in its list
     * @param removedTokens the BPE tokens cut off the end
     */
    public record Truncation(Kind kind, int index, List<String> removedTokens) {

        public Truncation {
            removedTokens = List.copyOf(removedTokens);
        }

        /** How many tokens were cut. */
        public int count() {
            return removedTokens.size();
        }
    }
}
