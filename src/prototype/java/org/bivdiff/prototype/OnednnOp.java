package org.bivdiff.prototype;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;

/**
 * One heavy op on oneDNN, computing in {@code type} (bf16 or f32) with its weights reordered once into the
 * layout the chosen kernel wants (prepacked). Activations enter and leave in the float32 layout ONNX Runtime
 * uses (NCHW, row-major); the steps of a call are separate so that each can be timed:
 * {@link #write} (Java array into native memory), {@link #convertIn} (f32 layout to the kernel's),
 * {@link #compute}, {@link #convertOut}, {@link #read}.
 */
final class OnednnOp implements AutoCloseable {

    private final stream stream;
    private final String implementation;
    private final primitive op;
    private final memory userSrc;
    private final memory src;
    private final memory dst;
    private final memory userDst;
    private final reorder toSrc;
    private final reorder fromDst;
    private final IntMemoryMap args = new IntMemoryMap();
    private final memory weights;
    private final memory bias;

    private OnednnOp(engine eng, stream stream, String implementation, primitive op, memory.desc userSrcMd,
                     memory.desc srcMd, memory.desc userWeightsMd, memory.desc weightsMd, memory.desc biasMd,
                     memory.desc dstMd, memory.desc userDstMd, float[] w, float[] b) {
        this.stream = stream;
        this.implementation = implementation;
        this.op = op;
        userSrc = new memory(userSrcMd, eng);
        src = new memory(srcMd, eng);
        dst = new memory(dstMd, eng);
        userDst = new memory(userDstMd, eng);
        toSrc = new reorder(userSrc, src);
        fromDst = new reorder(dst, userDst);
        // Prepacking: the weights are reordered once, into the kernel's blocked layout and type.
        try (memory userWeights = new memory(userWeightsMd, eng)) {
            new FloatPointer(userWeights.get_data_handle()).put(w);
            weights = new memory(weightsMd, eng);
            try (reorder pack = new reorder(userWeights, weights)) {
                pack.execute(stream, userWeights, weights);
                stream._wait();
            }
        }
        bias = new memory(biasMd, eng);
        new FloatPointer(bias.get_data_handle()).put(b);
        args.put(DNNL_ARG_SRC, src).put(DNNL_ARG_WEIGHTS, weights).put(DNNL_ARG_BIAS, bias).put(DNNL_ARG_DST, dst);
    }

    /**
     * A 3x3 convolution, stride 1, padding 1, of x (N, C, H, W) with weight (O, C, 3, 3) and bias (O), as
     * torch's {@code Conv2d(C, O, 3, padding=1)}; the kernel picks its layouts ({@code format_tag.any}).
     */
    static OnednnOp conv3x3(engine eng, stream stream, memory.data_type type, int n, int c, int h, int w, int o,
                            float[] weight, float[] bias) {
        long[] srcDims = {n, c, h, w};
        long[] weightDims = {o, c, 3, 3};
        long[] dstDims = {n, o, h, w};
        memory.desc biasMd = new memory.desc(new long[] {o}, memory.data_type.f32, memory.format_tag.a);
        convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(eng,
                dnnl.prop_kind.forward_inference, dnnl.algorithm.convolution_direct,
                new memory.desc(srcDims, type, memory.format_tag.any),
                new memory.desc(weightDims, type, memory.format_tag.any), biasMd,
                new memory.desc(dstDims, type, memory.format_tag.any),
                new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1});
        return new OnednnOp(eng, stream, pd.impl_info_str().getString(), new convolution_forward(pd),
                new memory.desc(srcDims, memory.data_type.f32, memory.format_tag.nchw), pd.src_desc(),
                new memory.desc(weightDims, memory.data_type.f32, memory.format_tag.oihw), pd.weights_desc(),
                biasMd, pd.dst_desc(), new memory.desc(dstDims, memory.data_type.f32, memory.format_tag.nchw),
                weight, bias);
    }

    /**
     * torch's {@code Linear}: x (M, K) times weight (N, K) transposed plus bias (N). The weight is described
     * as (K, N) in {@code ba} order, which is the (N, K) row-major array as stored, so no transpose is made.
     */
    static OnednnOp linear(engine eng, stream stream, memory.data_type type, int m, int k, int n,
                           float[] weight, float[] bias) {
        long[] srcDims = {m, k};
        long[] weightDims = {k, n};
        long[] dstDims = {m, n};
        memory.desc biasMd = new memory.desc(new long[] {1, n}, memory.data_type.f32, memory.format_tag.ab);
        matmul.primitive_desc pd = new matmul.primitive_desc(eng,
                new memory.desc(srcDims, type, memory.format_tag.ab),
                new memory.desc(weightDims, type, memory.format_tag.any), biasMd,
                new memory.desc(dstDims, type, memory.format_tag.ab));
        return new OnednnOp(eng, stream, pd.impl_info_str().getString(), new matmul(pd),
                new memory.desc(srcDims, memory.data_type.f32, memory.format_tag.ab), pd.src_desc(),
                new memory.desc(weightDims, memory.data_type.f32, memory.format_tag.ba), pd.weights_desc(),
                biasMd, pd.dst_desc(), new memory.desc(dstDims, memory.data_type.f32, memory.format_tag.ab),
                weight, bias);
    }

    /** The kernel oneDNN chose, as ONEDNN_VERBOSE names it (e.g. {@code brg_conv_fwd:avx512_core_bf16}). */
    String implementation() {
        return implementation;
    }

    /** Copies x (the op's input, f32 in ONNX Runtime's layout) into native memory. */
    void write(float[] x) {
        new FloatPointer(userSrc.get_data_handle()).put(x);
    }

    /** Reorders the input into the kernel's type and layout. */
    void convertIn() {
        toSrc.execute(stream, userSrc, src);
        stream._wait();
    }

    /** Runs the op on the converted input; its output stays in the kernel's type and layout. */
    void compute() {
        op.execute(stream, args);
        stream._wait();
    }

    /** Reorders the output back to f32 in ONNX Runtime's layout. */
    void convertOut() {
        fromDst.execute(stream, dst, userDst);
        stream._wait();
    }

    /** Copies the converted output into y. */
    void read(float[] y) {
        new FloatPointer(userDst.get_data_handle()).get(y);
    }

    @Override
    public void close() {
        args.close();
        toSrc.close();
        fromDst.close();
        op.close();
        for (memory m : new memory[] {userSrc, src, weights, bias, dst, userDst}) {
            m.close();
        }
    }
}
