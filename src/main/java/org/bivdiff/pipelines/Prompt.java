package org.bivdiff.pipelines;

import java.util.Objects;

/**
 * The texts of a run: one prompt for every frame, and the negative prompt classifier-free guidance uses as its
 * unconditional branch ({@code ""} = the empty-text embedding, diffusers' default).
 */
public record Prompt(String prompt, String negativePrompt) {

    public Prompt {
        Objects.requireNonNull(prompt, "prompt");
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
    }

    /** A prompt with the empty negative prompt. */
    public static Prompt of(String prompt) {
        return new Prompt(prompt, "");
    }
}
