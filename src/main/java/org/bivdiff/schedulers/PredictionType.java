package org.bivdiff.schedulers;

import org.bivdiff.io.ConfigJson;

/** diffusers' {@code prediction_type}: what the network predicts. */
public enum PredictionType implements ConfigJson.Spelled {
    /** The noise epsilon added to x_0. */
    EPSILON("epsilon"),
    /** v = sqrt(alpha_prod_t) * epsilon - sqrt(beta_prod_t) * x_0 (Imagen Video, section 2.4). */
    V_PREDICTION("v_prediction"),
    /** x_0 itself. */
    SAMPLE("sample");

    private final String spelling;

    PredictionType(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }
}
