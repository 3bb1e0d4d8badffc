package org.bivdiff.cli.config;

import java.util.function.Consumer;

/**
 * The one size rule of run configs, {@code bivdiff image} and {@code bivdiff annotate}: a width or height is rounded
 * down to a multiple of 32, as BIVDiff's {@code inference.py} does ({@code config.Model.height // 32 * 32}), with a
 * warning when that changes it.
 */
public final class FrameSize {

    /** Sizes are multiples of this. */
    public static final int MULTIPLE = 32;

    private FrameSize() {
    }

    /** {@code requested} rounded down to a multiple of {@link #MULTIPLE}; {@code warnings} told when it changes. */
    public static int round(String name, int requested, Consumer<String> warnings) {
        int rounded = requested / MULTIPLE * MULTIPLE;
        if (rounded != requested && rounded > 0) {
            warnings.accept(name + " " + requested + " is rounded down to " + rounded + ", a multiple of " + MULTIPLE
                    + ", as BIVDiff does");
        }
        return rounded;
    }
}
