package org.bivdiff.schedulers;

import org.bivdiff.io.ConfigJson;

/** diffusers' {@code beta_schedule}: how the training betas beta_1..beta_T are laid out. */
public enum BetaSchedule implements ConfigJson.Spelled {
    /** {@code torch.linspace(beta_start, beta_end, T)}. */
    LINEAR("linear"),
    /** {@code torch.linspace(sqrt(beta_start), sqrt(beta_end), T) ** 2}, the latent-diffusion schedule. */
    SCALED_LINEAR("scaled_linear"),
    /** The Glide cosine schedule ({@code betas_for_alpha_bar}, max beta 0.999). */
    SQUAREDCOS_CAP_V2("squaredcos_cap_v2");

    private final String spelling;

    BetaSchedule(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }
}
