package org.bivdiff.conformance;

import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;

/** Golden cases of the CLIP text encoders ({@code text_encoder_sd15}, {@code text_encoder_sd21}). */
final class TextEncoderCases {

    private TextEncoderCases() {
    }

    /** CLIPTextModel forward on the case's {@code input_ids} (B, S), without attention mask. */
    static void forward(CaseContext ctx) throws Exception {
        LongTensor inputIds = toLong(ctx.tensor("input_ids"));
        try (ClipTextModel textEncoder = ClipTextModel.load(ctx.path("model"), ctx.engine())) {
            ClipTextModel.Output out = textEncoder.forward(inputIds);
            ctx.check("last_hidden_state", out.lastHiddenState());
            ctx.check("pooler_output", out.poolerOutput());
        }
    }

    /** Token ids stored as exact F32 integers, back to int64; anything not an integer is refused. */
    static LongTensor toLong(Tensor ids) {
        float[] f = ids.data();
        long[] l = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            if (f[i] != Math.rint(f[i])) {
                throw new IllegalArgumentException("token id " + f[i] + " at flat index " + i + " is not an integer");
            }
            l[i] = (long) f[i];
        }
        return new LongTensor(ids.shape(), l);
    }
}
