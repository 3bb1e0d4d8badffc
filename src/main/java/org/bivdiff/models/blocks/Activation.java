package org.bivdiff.models.blocks;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.io.ConfigJson;

/** The activation functions configs name ({@code act_fn}, {@code hidden_act}). */
public enum Activation implements ConfigJson.Spelled {
    SILU("silu"), SWISH("swish"), GELU("gelu"), QUICK_GELU("quick_gelu");

    private final String spelling;

    Activation(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }

    public Value apply(Graph g, Value x) {
        return switch (this) {
            case SILU, SWISH -> g.silu(x);
            case GELU -> g.gelu(x);
            case QUICK_GELU -> g.quickGelu(x);
        };
    }
}
