package org.bivdiff.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * The shape of every value of an ONNX graph for given input shapes, with the values of the small
 * integer tensors that shapes are computed from ({@code Shape}, {@code Slice}, {@code Concat}, ...).
 * Knows the ops our graphs use (opset 17 and {@code com.microsoft.MultiHeadAttention}); any other op
 * is an error, so a FLOP count can never silently skip part of a model.
 */
public final class ShapeInference {

    /** Tensors up to this many elements keep their values. */
    private static final int MAX_VALUES = 1024;

    /** A value's shape, and its elements when small and known. */
    record Info(long[] shape, double[] values) {
        long dim(int i) {
            return shape[i < 0 ? shape.length + i : i];
        }

        int rank() {
            return shape.length;
        }

        long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        long[] longs() {
            if (values == null) {
                throw new IllegalStateException("values of a " + Arrays.toString(shape) + " tensor are not known");
            }
            long[] v = new long[values.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = (long) values[i];
            }
            return v;
        }
    }

    private final Map<String, Info> infos = new HashMap<>();

    private ShapeInference() {
    }

    /**
     * Infers every value of {@code graph}.
     *
     * @param inputShapes the concrete shape of each graph input
     * @return shapes (and small values) by value name
     */
    public static Map<String, Info> infer(GraphProto graph, Map<String, long[]> inputShapes) {
        ShapeInference s = new ShapeInference();
        for (TensorProto t : graph.getInitializerList()) {
            s.infos.put(t.getName(), new Info(t.getDimsList().stream().mapToLong(Long::longValue).toArray(), OnnxNodes.values(t, MAX_VALUES)));
        }
        for (var in : graph.getInputList()) {
            long[] shape = inputShapes.get(in.getName());
            if (shape == null) {
                throw new IllegalArgumentException("no shape given for graph input '" + in.getName() + "'");
            }
            s.infos.put(in.getName(), new Info(shape.clone(), null));
        }
        for (NodeProto n : graph.getNodeList()) {
            List<Info> out;
            try {
                out = s.node(n);
            } catch (RuntimeException e) {
                throw new IllegalStateException("shape inference failed at node " + n.getName() + " (" + n.getOpType()
                        + "): " + e.getMessage(), e);
            }
            for (int i = 0; i < out.size(); i++) {
                s.infos.put(n.getOutput(i), out.get(i));
            }
        }
        return s.infos;
    }

    private Info in(NodeProto n, int i) {
        if (i >= n.getInputCount() || n.getInput(i).isEmpty()) {
            return null;
        }
        Info info = infos.get(n.getInput(i));
        if (info == null) {
            throw new IllegalStateException("input '" + n.getInput(i) + "' has no known shape");
        }
        return info;
    }

    private List<Info> node(NodeProto n) {
        Info x = in(n, 0);
        return switch (n.getOpType()) {
            case "Identity", "Sigmoid", "Exp", "Erf", "Gelu", "Sin", "Cos", "Relu", "Clip", "Softmax", "Sqrt", "Neg", "Tanh",
                 "InstanceNormalization", "LayerNormalization", "Cast" -> List.of(x);
            case "Add", "Sub", "Mul", "Div" -> List.of(binary(n.getOpType(), x, in(n, 1)));
            case "Conv", "AveragePool", "MaxPool" -> List.of(window(n, x, in(n, 1)));
            case "Gemm" -> List.of(gemm(n, x, in(n, 1)));
            case "MatMul" -> List.of(matmul(x, in(n, 1)));
            case "MultiHeadAttention" -> List.of(new Info(new long[] {x.dim(0), x.dim(1), in(n, 2).dim(2)}, null));
            case "Reshape" -> List.of(new Info(reshape(x.shape(), in(n, 1).longs()), x.values()));
            case "Transpose" -> List.of(transpose(n, x));
            case "Shape" -> List.of(new Info(new long[] {x.rank()}, toDoubles(x.shape())));
            case "Concat" -> List.of(concat(n));
            case "Slice" -> List.of(slice(x, in(n, 1), in(n, 2), in(n, 3), in(n, 4)));
            case "Split" -> split(n, x);
            case "Unsqueeze" -> List.of(unsqueeze(x, in(n, 1).longs()));
            case "Gather" -> List.of(gather(x, in(n, 1), (int) OnnxNodes.attr(n, "axis", 0)));
            case "GatherND" -> List.of(gatherNd(x, in(n, 1), (int) OnnxNodes.attr(n, "batch_dims", 0)));
            case "ArgMax" -> List.of(argMax(n, x));
            case "Pad" -> List.of(pad(x, in(n, 1).longs()));
            case "Resize" -> List.of(resize(x, in(n, 2), in(n, 3)));
            case "Expand" -> List.of(new Info(broadcast(x.shape(), in(n, 1).longs()), null));
            default -> throw new IllegalStateException("no shape rule for op " + n.getDomain() + ":" + n.getOpType());
        };
    }

    private static Info binary(String op, Info a, Info b) {
        long[] shape = broadcast(a.shape(), b.shape());
        if (a.values() == null || b.values() == null || a.rank() > 1 || b.rank() > 1) {
            return new Info(shape, null);
        }
        int len = shape.length == 0 ? 1 : (int) shape[0];
        double[] v = new double[len];
        for (int i = 0; i < len; i++) {
            double p = a.values()[a.values().length == 1 ? 0 : i];
            double q = b.values()[b.values().length == 1 ? 0 : i];
            v[i] = switch (op) {
                case "Add" -> p + q;
                case "Sub" -> p - q;
                case "Mul" -> p * q;
                default -> Math.floor(p / q);   // only shape arithmetic (int64) is propagated
            };
        }
        return new Info(shape, v);
    }

    private static long[] broadcast(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long p = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long q = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (p != q && p != 1 && q != 1) {
                throw new IllegalStateException("cannot broadcast " + Arrays.toString(a) + " with " + Arrays.toString(b));
            }
            out[i] = p == 1 ? q : p;
        }
        return out;
    }

    /** Conv and pooling: (N, C, spatial...) with kernel, strides, pads, dilations. */
    private static Info window(NodeProto n, Info x, Info weight) {
        int spatial = x.rank() - 2;
        boolean conv = n.getOpType().equals("Conv");
        long[] kernel = conv ? Arrays.copyOfRange(weight.shape(), 2, weight.rank()) : OnnxNodes.ints(n, "kernel_shape", null);
        long[] strides = OnnxNodes.ints(n, "strides", fill(spatial, 1));
        long[] pads = OnnxNodes.ints(n, "pads", fill(2 * spatial, 0));
        long[] dilations = OnnxNodes.ints(n, "dilations", fill(spatial, 1));
        boolean ceil = OnnxNodes.attr(n, "ceil_mode", 0) == 1;
        long[] out = x.shape().clone();
        if (conv) {
            out[1] = weight.dim(0);
        }
        for (int i = 0; i < spatial; i++) {
            long span = x.dim(2 + i) + pads[i] + pads[spatial + i] - dilations[i] * (kernel[i] - 1) - 1;
            out[2 + i] = (ceil ? Math.ceilDiv(span, strides[i]) : Math.floorDiv(span, strides[i])) + 1;
        }
        return new Info(out, null);
    }

    private static Info gemm(NodeProto n, Info a, Info b) {
        long m = OnnxNodes.attr(n, "transA", 0) == 1 ? a.dim(1) : a.dim(0);
        long cols = OnnxNodes.attr(n, "transB", 0) == 1 ? b.dim(0) : b.dim(1);
        return new Info(new long[] {m, cols}, null);
    }

    private static Info matmul(Info a, Info b) {
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalStateException("MatMul of vectors is not supported");
        }
        long[] batch = broadcast(Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2));
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = a.dim(-2);
        out[batch.length + 1] = b.dim(-1);
        return new Info(out, null);
    }

    private static long[] reshape(long[] in, long[] target) {
        long[] out = target.clone();
        long known = 1;
        int inferred = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0) {
                out[i] = in[i];
            }
            if (out[i] == -1) {
                inferred = i;
            } else {
                known *= out[i];
            }
        }
        if (inferred >= 0) {
            out[inferred] = numel(in) / known;
        }
        return out;
    }

    private static Info transpose(NodeProto n, Info x) {
        long[] perm = OnnxNodes.ints(n, "perm", null);
        long[] out = new long[x.rank()];
        for (int i = 0; i < out.length; i++) {
            out[i] = x.dim(perm == null ? out.length - 1 - i : (int) perm[i]);
        }
        return new Info(out, null);
    }

    private Info concat(NodeProto n) {
        int axis = (int) OnnxNodes.attr(n, "axis", 0);
        Info first = in(n, 0);
        int a = axis < 0 ? first.rank() + axis : axis;
        long[] out = first.shape().clone();
        out[a] = 0;
        List<Double> values = new ArrayList<>();
        boolean known = first.rank() == 1;
        for (int i = 0; i < n.getInputCount(); i++) {
            Info p = in(n, i);
            out[a] += p.dim(a);
            if (known && p.values() != null) {
                for (double d : p.values()) {
                    values.add(d);
                }
            } else {
                known = false;
            }
        }
        return new Info(out, known ? values.stream().mapToDouble(Double::doubleValue).toArray() : null);
    }

    private static Info slice(Info x, Info starts, Info ends, Info axes, Info steps) {
        long[] s = starts.longs();
        long[] e = ends.longs();
        long[] ax = axes == null ? range(s.length) : axes.longs();
        long[] st = steps == null ? fill(s.length, 1) : steps.longs();
        long[] out = x.shape().clone();
        long[] from = new long[x.rank()];
        for (int i = 0; i < s.length; i++) {
            int a = (int) (ax[i] < 0 ? ax[i] + x.rank() : ax[i]);
            long dim = x.dim(a);
            if (st[i] != 1) {
                throw new IllegalStateException("Slice steps other than 1 are not supported");
            }
            long lo = Math.clamp(s[i] < 0 ? s[i] + dim : s[i], 0, dim);
            long hi = Math.clamp(e[i] < 0 ? e[i] + dim : e[i], 0, dim);
            out[a] = Math.max(0, hi - lo);
            from[a] = lo;
        }
        double[] v = null;
        if (x.values() != null && x.rank() == 1) {
            v = Arrays.copyOfRange(x.values(), (int) from[0], (int) (from[0] + out[0]));
        }
        return new Info(out, v);
    }

    private List<Info> split(NodeProto n, Info x) {
        int axis = (int) OnnxNodes.attr(n, "axis", 0);
        int a = axis < 0 ? x.rank() + axis : axis;
        int parts = n.getOutputCount();
        Info sizes = in(n, 1);
        List<Info> out = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            long[] s = x.shape().clone();
            s[a] = sizes == null ? x.dim(a) / parts : sizes.longs()[i];
            out.add(new Info(s, null));
        }
        return out;
    }

    private static Info unsqueeze(Info x, long[] axes) {
        int rank = x.rank() + axes.length;
        long[] out = new long[rank];
        boolean[] inserted = new boolean[rank];
        for (long a : axes) {
            inserted[(int) (a < 0 ? a + rank : a)] = true;
        }
        for (int i = 0, j = 0; i < rank; i++) {
            out[i] = inserted[i] ? 1 : x.dim(j++);
        }
        return new Info(out, x.values());
    }

    private static Info gather(Info data, Info indices, int axis) {
        int a = axis < 0 ? data.rank() + axis : axis;
        long[] out = new long[data.rank() - 1 + indices.rank()];
        int k = 0;
        for (int i = 0; i < a; i++) {
            out[k++] = data.dim(i);
        }
        for (long d : indices.shape()) {
            out[k++] = d;
        }
        for (int i = a + 1; i < data.rank(); i++) {
            out[k++] = data.dim(i);
        }
        double[] v = null;
        if (data.values() != null && data.rank() == 1 && indices.values() != null) {
            v = new double[indices.values().length];
            for (int i = 0; i < v.length; i++) {
                long idx = (long) indices.values()[i];
                v[i] = data.values()[(int) (idx < 0 ? idx + data.dim(0) : idx)];
            }
        }
        return new Info(out, v);
    }

    private static Info gatherNd(Info data, Info indices, int batchDims) {
        long last = indices.dim(-1);
        long[] lead = Arrays.copyOf(indices.shape(), indices.rank() - 1);
        long[] tail = Arrays.copyOfRange(data.shape(), (int) (batchDims + last), data.rank());
        long[] out = Arrays.copyOf(lead, lead.length + tail.length);
        System.arraycopy(tail, 0, out, lead.length, tail.length);
        return new Info(out, null);
    }

    private static Info argMax(NodeProto n, Info x) {
        int axis = (int) OnnxNodes.attr(n, "axis", 0);
        int a = axis < 0 ? x.rank() + axis : axis;
        long[] out = x.shape().clone();
        if (OnnxNodes.attr(n, "keepdims", 1) == 1) {
            out[a] = 1;
            return new Info(out, null);
        }
        long[] squeezed = new long[x.rank() - 1];
        for (int i = 0, j = 0; i < x.rank(); i++) {
            if (i != a) {
                squeezed[j++] = x.dim(i);
            }
        }
        return new Info(squeezed, null);
    }

    private static Info pad(Info x, long[] pads) {
        long[] out = x.shape().clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += pads[i] + pads[out.length + i];
        }
        return new Info(out, null);
    }

    private static Info resize(Info x, Info scales, Info sizes) {
        if (sizes != null && sizes.numel() > 0) {
            return new Info(sizes.longs(), null);
        }
        long[] out = x.shape().clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) Math.floor(out[i] * scales.values()[i]);
        }
        return new Info(out, null);
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static double[] toDoubles(long[] a) {
        return Arrays.stream(a).asDoubleStream().toArray();
    }

    private static long[] fill(int n, long v) {
        long[] a = new long[n];
        Arrays.fill(a, v);
        return a;
    }

    private static long[] range(int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
