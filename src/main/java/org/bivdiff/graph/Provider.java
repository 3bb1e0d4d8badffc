package org.bivdiff.graph;

import java.util.Locale;

/** Where networks run. */
public enum Provider {
    /** ONNX Runtime's CPU kernels (MLAS); always available. */
    CPU,
    /** NVIDIA GPUs through ONNX Runtime's CUDA execution provider (needs the onnxruntime_gpu natives). */
    CUDA;

    /** Parses {@code cpu} / {@code cuda}, any case. */
    public static Provider parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown provider '" + s + "' (use cpu or cuda)", e);
        }
    }
}
