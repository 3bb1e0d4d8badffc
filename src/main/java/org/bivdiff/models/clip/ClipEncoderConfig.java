package org.bivdiff.models.clip;

import org.bivdiff.models.clip.ClipTextConfig.HiddenAct;

/**
 * What one stack of CLIP encoder layers needs, shared by the text and the vision tower (transformers'
 * {@code CLIPEncoder} reads these five fields of either config).
 *
 * @param hiddenSize        D, the width of every token state
 * @param intermediateSize  width of the MLP between {@code fc1} and {@code fc2}
 * @param numAttentionHeads heads of each self-attention; D is divisible by it
 * @param hiddenAct         the MLP activation
 * @param layerNormEps      epsilon of both LayerNorms of a layer
 */
record ClipEncoderConfig(int hiddenSize, int intermediateSize, int numAttentionHeads, HiddenAct hiddenAct,
                         double layerNormEps) {

    /** Channels per attention head. */
    int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}
