package org.bivdiff.conformance;

import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.models.vae.LatentDistribution;
import org.bivdiff.tensor.Tensor;

/** Golden cases of the VAE. */
final class VaeCases {

    private VaeCases() {
    }

    /** {@code vae_sd15}: encode an image to its posterior, decode the posterior mean and a given z. */
    static void encodeDecode(CaseContext ctx) throws Exception {
        try (AutoencoderKL vae = AutoencoderKL.load(ctx.path("model"), ctx.engine())) {
            LatentDistribution post = vae.encode(ctx.tensor("image"));
            ctx.check("latent_mean", post.mean());
            ctx.check("latent_std", post.std());
            ctx.check("latent_logvar", post.logvar());
            ctx.check("decoded_from_mean", vae.decode(post.mean()));
            Tensor z = ctx.tensor("z");
            ctx.check("decoded_z", vae.decode(z));
        }
    }
}
