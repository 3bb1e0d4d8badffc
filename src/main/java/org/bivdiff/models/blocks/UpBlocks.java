package org.bivdiff.models.blocks;

import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;

/** Helpers the up blocks share. */
final class UpBlocks {

    private UpBlocks() {
    }

    /** Concatenates {@code h} with the skip connection taken from the end of {@code resSamples}, as diffusers pops them. */
    static Value withSkip(Graph g, Value h, List<Value> resSamples, int resnetIndex) {
        Value skip = resSamples.get(resSamples.size() - 1 - resnetIndex);
        return g.concat(1, h, skip);                                                   // (N, C + C_skip, H, W)
    }

    /** Checks the number of skip connections handed to a block. */
    static void checkSkips(List<Value> resSamples, int expected) {
        if (resSamples.size() != expected) {
            throw new IllegalArgumentException("up block expects " + expected + " skip connections, got "
                    + resSamples.size());
        }
    }
}
