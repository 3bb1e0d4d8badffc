package org.bivdiff.models.random;

import org.bivdiff.io.DType;
import org.bivdiff.io.Spellings;

/**
 * How random full-size weights are stored: float32 or float16 safetensors (the diffusers {@code fp16}
 * variant), or float32 PyTorch pickles ({@code diffusion_pytorch_model.bin}, {@code pytorch_model.bin}),
 * which load through {@link org.bivdiff.io.TorchFile}.
 */
public enum WeightsFormat {
    F32(DType.F32, false),
    F16(DType.F16, false),
    BIN(DType.F32, true);

    private final DType dtype;
    private final boolean pickle;

    WeightsFormat(DType dtype, boolean pickle) {
        this.dtype = dtype;
        this.pickle = pickle;
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /**
     * The file name for weights that are {@code safetensorsName} in float32 safetensors: the same,
     * {@code <base>.fp16.safetensors}, or the pickle name ({@code model.safetensors} is transformers'
     * {@code pytorch_model.bin}).
     */
    public String fileName(String safetensorsName) {
        String base = safetensorsName.substring(0, safetensorsName.length() - ".safetensors".length());
        return switch (this) {
            case F32 -> safetensorsName;
            case F16 -> base + ".fp16.safetensors";
            case BIN -> (base.equals("model") ? "pytorch_model" : base) + ".bin";
        };
    }

    /** The suffix of a cached model folder holding this format ({@code ""}, {@code -f16}, {@code -bin}). */
    public String folderSuffix() {
        return this == F32 ? "" : "-" + Spellings.lower(this);
    }

    /** True for PyTorch pickles. */
    public boolean pickle() {
        return pickle;
    }

    /**
     * The format spelled {@code f32}, {@code f16} or {@code bin}.
     *
     * @throws IllegalArgumentException naming the spellings
     */
    public static WeightsFormat parse(String flag) {
        return Spellings.find(WeightsFormat.class, Spellings::lower, flag).orElseThrow(() ->
                new IllegalArgumentException("--weights takes f32, f16 or bin, got '" + flag + "'"));
    }
}
