package org.bivdiff.graph;

import org.bivdiff.io.DType;
import org.bivdiff.io.Spellings;

/**
 * The floating-point type networks compute in. Inputs and outputs are float32 either way; weights are
 * used in this type, so a float16 checkpoint in a float16 graph is never widened.
 */
public enum Precision {
    /** float16 on CUDA, float32 on the CPU (whose float16 kernels convert to float32 and back). */
    AUTO,
    /** float32 everywhere; float16 and bfloat16 weights are widened once, at load. */
    FP32,
    /**
     * float16 weights and activations, with the timestep sinusoids in float32. On CUDA this halves
     * memory and uses the tensor cores. On the CPU it computes correctly but is for checking only:
     * ONNX Runtime's CPU float16 Gemm is a reference kernel, about 190 times slower than its float32
     * one (SD 1.5-shaped tiny UNet: 379 ms against 19 ms per call, 93% of it in Gemm).
     */
    FP16;

    /** The graph compute type this precision gives on {@code provider}. */
    public DType computeType(Provider provider) {
        return switch (this) {
            case AUTO -> provider == Provider.CUDA ? DType.F16 : DType.F32;
            case FP32 -> DType.F32;
            case FP16 -> DType.F16;
        };
    }

    /** {@link #FP32} or {@link #FP16}: what this precision means on {@code provider}. */
    public Precision resolve(Provider provider) {
        return computeType(provider) == DType.F16 ? FP16 : FP32;
    }

    /** Parses {@code auto} / {@code fp32} / {@code fp16}, any case. */
    public static Precision parse(String s) {
        return Spellings.findName(Precision.class, s).orElseThrow(() -> new IllegalArgumentException(
                "unknown precision '" + s + "' (use auto, fp32 or fp16)"));
    }
}
