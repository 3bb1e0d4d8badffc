package org.bivdiff.graph;

import java.util.Arrays;
import java.util.List;

import org.bivdiff.io.DType;

/**
 * Builds one ONNX graph: the op vocabulary the models use, one method per op, over the bookkeeping of
 * {@link GraphCore} (inputs with symbolic dimensions, weights as external data pointing into
 * safetensors files, constants, nodes). Each op method
 * returns the new value; shapes are given in comments as {@code (N, C, H, W)}.
 *
 * <p>Not thread-safe; a graph is built once, then {@link #build()} freezes it into a {@link Model}.
 */
public final class Graph extends GraphCore {

    /** A graph computing in float32. */
    public Graph(String name) {
        super(name, DType.F32);
    }

    /** A graph computing in {@code computeType} (F32 or F16), with float32 inputs and outputs. */
    public Graph(String name, DType computeType) {
        super(name, computeType);
    }

    // ---- elementwise -------------------------------------------------------------------------

    public Value add(Value a, Value b) {
        return node("Add", List.of(a, b), List.of());
    }

    public Value sub(Value a, Value b) {
        return node("Sub", List.of(a, b), List.of());
    }

    public Value mul(Value a, Value b) {
        return node("Mul", List.of(a, b), List.of());
    }

    public Value div(Value a, Value b) {
        return node("Div", List.of(a, b), List.of());
    }

    public Value exp(Value x) {
        return node("Exp", List.of(x), List.of());
    }

    public Value sigmoid(Value x) {
        return node("Sigmoid", List.of(x), List.of());
    }

    /** x * sigmoid(x). */
    public Value silu(Value x) {
        return mul(x, sigmoid(x));
    }

    /**
     * The exact (erf) GELU, 0.5 x (1 + erf(x / sqrt 2)), as ONNX Runtime's fused
     * {@code com.microsoft.Gelu} (one pass instead of four elementwise ops).
     */
    public Value gelu(Value x) {
        return node("com.microsoft", "Gelu", List.of(x), List.of(), 1).getFirst();
    }

    /** x * sigmoid(1.702 x), CLIP's activation. */
    public Value quickGelu(Value x) {
        return mul(x, sigmoid(mul(x, scalar(1.702f))));
    }

    /** max(x, 0). */
    public Value relu(Value x) {
        return node("Relu", List.of(x), List.of());
    }

    public Value sqrt(Value x) {
        return node("Sqrt", List.of(x), List.of());
    }

    /** Mean over {@code axes}, which are kept as size 1. */
    public Value reduceMean(Value x, long... axes) {
        return node("ReduceMean", List.of(x), List.of(Attr.ints("axes", axes), Attr.i("keepdims", 1)));
    }

    /** Clamps to [min, max]. */
    public Value clip(Value x, float min, float max) {
        return node("Clip", List.of(x, scalar(min), scalar(max)), List.of());
    }

    // ---- shape -------------------------------------------------------------------------------

    /** Reshape; 0 copies the input dimension, -1 is inferred. */
    public Value reshape(Value x, long... shape) {
        return node("Reshape", List.of(x, longs(shape)), List.of());
    }

    /** Reshape to a shape computed in the graph. */
    public Value reshape(Value x, Value shape) {
        return node("Reshape", List.of(x, shape), List.of());
    }

    public Value transpose(Value x, long... perm) {
        return node("Transpose", List.of(x), List.of(Attr.ints("perm", perm)));
    }

    /** The runtime shape of x as int64. */
    public Value shape(Value x) {
        return node("Shape", List.of(x), List.of());
    }

    public Value concat(int axis, Value... parts) {
        return node("Concat", List.of(parts), List.of(Attr.i("axis", axis)));
    }

    /** Elements [start, end) along each axis. */
    public Value slice(Value x, long[] starts, long[] ends, long[] axes) {
        return node("Slice", List.of(x, longs(starts), longs(ends), longs(axes)), List.of());
    }

    /** Splits along {@code axis} into {@code parts} equal pieces. */
    public List<Value> split(Value x, int axis, int parts) {
        return node("", "Split", List.of(x), List.of(Attr.i("axis", axis)), parts);
    }

    public Value unsqueeze(Value x, long... axes) {
        return node("Unsqueeze", List.of(x, longs(axes)), List.of());
    }

    public Value gather(Value data, Value indices, int axis) {
        return node("Gather", List.of(data, indices), List.of(Attr.i("axis", axis)));
    }

    /**
     * Rows picked per batch element, as ONNX's {@code GatherND} with {@code batch_dims = 1}.
     *
     * @param data    (B, S, D)
     * @param indices (B, 1) int64 positions along S
     * @return (B, D)
     */
    public Value gatherRows(Value data, Value indices) {
        return node("GatherND", List.of(data, indices), List.of(Attr.i("batch_dims", 1)));
    }

    /** Index of the largest element along {@code axis}, first occurrence on ties; int64, axis kept as size 1. */
    public Value argMax(Value x, int axis) {
        return node("ArgMax", List.of(x), List.of(Attr.i("axis", axis), Attr.i("keepdims", 1),
                Attr.i("select_last_index", 0)));
    }

    /** Constant padding of a (N, C, H, W) tensor: {@code pads} = [top, left, bottom, right]. */
    public Value pad2d(Value x, long top, long left, long bottom, long right) {
        return node("Pad", List.of(x, longs(0, 0, top, left, 0, 0, bottom, right)), List.of(Attr.s("mode", "constant")));
    }

    /** Nearest-neighbour upsampling of (N, C, H, W) by an integer factor, as torch's interpolate(mode="nearest"). */
    public Value upsampleNearest(Value x, float factor) {
        return node("Resize", List.of(x, NONE, constant(DType.F32, new float[] {1, 1, factor, factor}, 4)),
                List.of(Attr.s("mode", "nearest"), Attr.s("coordinate_transformation_mode", "asymmetric"),
                        Attr.s("nearest_mode", "floor")));
    }

    /**
     * Bilinear resampling of (N, C, H, W) by an integer factor with corner pixels aligned, as torch's
     * {@code interpolate(scale_factor=f, mode="bilinear", align_corners=True)}.
     */
    public Value upsampleBilinearAlignCorners(Value x, float factor) {
        return node("Resize", List.of(x, NONE, constant(DType.F32, new float[] {1, 1, factor, factor}, 4)),
                List.of(Attr.s("mode", "linear"), Attr.s("coordinate_transformation_mode", "align_corners")));
    }

    /**
     * Bilinear resampling of (N, C, H, W) to {@code sizes} (int64 (4), the full output shape), as torch's
     * {@code interpolate(size=(h, w), mode="bilinear", align_corners=False)} (half-pixel centres, no antialiasing).
     */
    public Value resizeBilinear(Value x, Value sizes) {
        return node("Resize", List.of(x, NONE, NONE, sizes), List.of(Attr.s("mode", "linear"),
                Attr.s("coordinate_transformation_mode", "half_pixel")));
    }

    /**
     * Max pooling of (N, C, H, W) with TensorFlow's 'SAME' padding (output ceil(H / stride); the odd pad goes
     * at the end), padded positions never chosen.
     */
    public Value maxPoolSame(Value x, int kernel, int stride) {
        return node("MaxPool", List.of(x), List.of(Attr.ints("kernel_shape", kernel, kernel),
                Attr.ints("strides", stride, stride), Attr.s("auto_pad", "SAME_UPPER")));
    }

    // ---- linear algebra and normalisation ----------------------------------------------------------

    public Value matmul(Value a, Value b) {
        return node("MatMul", List.of(a, b), List.of());
    }

    /** 2-D convolution of (N, C, H, W); bias may be {@link #NONE}. */
    public Value conv(Value x, Value weight, Value bias, int stride, int padding) {
        List<Value> in = bias == NONE ? List.of(x, weight) : List.of(x, weight, bias);
        return node("Conv", in, List.of(Attr.ints("strides", stride, stride),
                Attr.ints("pads", padding, padding, padding, padding)));
    }

    /**
     * 2-D convolution of (N, C, H, W) with TensorFlow's 'SAME' padding: output ceil(H / stride), total padding
     * {@code max((ceil(H / s) - 1) * s + k - H, 0)} split with the odd pixel at the end (ONNX {@code SAME_UPPER}).
     * Bias may be {@link #NONE}.
     */
    public Value convSame(Value x, Value weight, Value bias, int stride) {
        List<Value> in = bias == NONE ? List.of(x, weight) : List.of(x, weight, bias);
        return node("Conv", in, List.of(Attr.ints("strides", stride, stride), Attr.s("auto_pad", "SAME_UPPER")));
    }

    /** Transposed 2-D convolution with kernel = stride (torch's {@code ConvTranspose2d(k, stride=k)}). */
    public Value convTranspose(Value x, Value weight, Value bias, int stride) {
        return node("ConvTranspose", List.of(x, weight, bias), List.of(Attr.ints("strides", stride, stride)));
    }

    /** x (M, K) times weight (N, K) transposed, plus bias (N), as torch's Linear on 2-D input. */
    public Value gemm(Value x, Value weight, Value bias) {
        List<Value> in = bias == NONE ? List.of(x, weight) : List.of(x, weight, bias);
        return node("Gemm", in, List.of(Attr.i("transB", 1)));
    }

    /**
     * Group normalisation of (N, C, ...) in the form ONNX Runtime runs fastest: reshape to
     * (N, groups, -1), InstanceNormalization, reshape back, then the per-channel affine.
     *
     * @param gamma per-channel scale (C), or {@link #NONE}
     * @param beta  per-channel shift (C), or {@link #NONE}
     * @param spatialRank number of dimensions after C (2 for images, 3 for videos)
     */
    public Value groupNorm(Value x, int groups, float eps, Value gamma, Value beta, int spatialRank) {
        float[] ones = new float[groups];
        Arrays.fill(ones, 1f);
        Value grouped = reshape(x, 0, groups, -1);                                   // (N, G, C/G * ...)
        Value normed = node("InstanceNormalization", List.of(grouped, constant(ones, groups),
                constant(new float[groups], groups)), List.of(Attr.f("epsilon", eps)));
        Value y = reshape(normed, shape(x));                                          // (N, C, ...)
        long[] axes = new long[spatialRank];
        for (int i = 0; i < spatialRank; i++) {
            axes[i] = i + 1;
        }
        if (gamma != NONE) {
            y = mul(y, unsqueeze(gamma, axes));                                      // gamma: (C, 1, ...)
        }
        if (beta != NONE) {
            y = add(y, unsqueeze(beta, axes));
        }
        return y;
    }

    /** Layer normalisation over the last axis. */
    public Value layerNorm(Value x, Value gamma, Value beta, float eps) {
        return node("LayerNormalization", List.of(x, gamma, beta), List.of(Attr.i("axis", -1), Attr.f("epsilon", eps)));
    }

    public Value softmax(Value x, int axis) {
        return node("Softmax", List.of(x), List.of(Attr.i("axis", axis)));
    }

    /**
     * Scaled dot-product attention through ONNX Runtime's fused {@code com.microsoft.MultiHeadAttention}.
     *
     * @param q (B, S, heads * d)
     * @param k (B, L, heads * d)
     * @param v (B, L, heads * dv)
     * @param scale the logit scale; torch's default is 1/sqrt(d)
     * @return (B, S, heads * dv)
     */
    public Value attention(Value q, Value k, Value v, int heads, float scale) {
        return node("com.microsoft", "MultiHeadAttention", List.of(q, k, v),
                List.of(Attr.i("num_heads", heads), Attr.f("scale", scale)), 1).getFirst();
    }

    /**
     * Attention with an additive mask through the same fused op (its input 5, {@code attention_bias}).
     *
     * @param mask (B or 1, heads or 1, S, L); added to the scaled logits
     */
    public Value attention(Value q, Value k, Value v, Value mask, int heads, float scale) {
        return node("com.microsoft", "MultiHeadAttention", List.of(q, k, v, NONE, NONE, mask),
                List.of(Attr.i("num_heads", heads), Attr.f("scale", scale)), 1).getFirst();
    }

    /**
     * Causal self-attention (position i attends to positions 0..i) through the same fused op with its
     * {@code unidirectional} attribute, so no (S, S) mask tensor is built.
     *
     * @param q (B, S, heads * d); k and v the same length S
     * @return (B, S, heads * dv)
     */
    public Value causalAttention(Value q, Value k, Value v, int heads, float scale) {
        return node("com.microsoft", "MultiHeadAttention", List.of(q, k, v),
                List.of(Attr.i("num_heads", heads), Attr.f("scale", scale), Attr.i("unidirectional", 1)), 1).getFirst();
    }
}
