package org.bivdiff.schedulers;

import org.bivdiff.io.ConfigJson;

/**
 * diffusers' {@code timestep_spacing} (table 2 of "Common Diffusion Noise Schedules and Sample Steps are
 * Flawed"): how N inference timesteps are picked from the T training timesteps. Each scheduler applies
 * it with its own rounding, as diffusers does.
 */
public enum TimestepSpacing implements ConfigJson.Spelled {
    /** {@code arange(N) * (T // N)}, reversed, plus {@code steps_offset}. */
    LEADING("leading"),
    /** {@code round(arange(T, 0, -T / N)) - 1}. */
    TRAILING("trailing"),
    /** {@code linspace(0, T - 1, N)}, reversed. */
    LINSPACE("linspace");

    private final String spelling;

    TimestepSpacing(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }
}
