package org.bivdiff.models.unet2d;

/**
 * One attention layer of a UNet2DConditionModel as a forward pass meets it: where it sits, whether it attends
 * to the text, and how many query positions it has at a given latent size. The order of a list of these is the
 * order diffusers calls the layers' processors ({@code attn1} then {@code attn2} of each transformer block,
 * down blocks, mid block, up blocks), which is what Prompt-to-Prompt's controller counts.
 *
 * @param place       the part of the UNet, as BIVDiff's {@code register_attention_control} names it from the
 *                    module path ({@code down_blocks.*}, {@code mid_block}, {@code up_blocks.*})
 * @param cross       cross-attention ({@code attn2}) rather than self-attention ({@code attn1})
 * @param queryLength H' * W' positions at this layer's resolution
 * @param heads       attention heads
 */
public record AttentionLayer(Place place, boolean cross, int queryLength, int heads) {

    /** The {@code place_in_unet} of Prompt-to-Prompt's attention store keys. */
    public enum Place { DOWN, MID, UP }

    public AttentionLayer {
        if (queryLength < 1) {
            throw new IllegalArgumentException("query length must be >= 1, got " + queryLength);
        }
        if (heads < 1) {
            throw new IllegalArgumentException("heads must be >= 1, got " + heads);
        }
    }
}
