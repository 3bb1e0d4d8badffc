package org.bivdiff.graph;

import org.bivdiff.io.Spellings;

/** Where networks run. */
public enum Provider {
    /** ONNX Runtime's CPU kernels (MLAS); always available. */
    CPU,
    /** NVIDIA GPUs through ONNX Runtime's CUDA execution provider (needs the onnxruntime_gpu natives). */
    CUDA;

    /** Parses {@code cpu} / {@code cuda}, any case. */
    public static Provider parse(String s) {
        return Spellings.findName(Provider.class, s).orElseThrow(() -> new IllegalArgumentException(
                "unknown provider '" + s + "' (use cpu or cuda)"));
    }
}
