package org.bivdiff.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/** Reading ONNX node attributes and small initializers, for {@link ShapeInference} and {@link FlopCounter}. */
final class OnnxNodes {

    private OnnxNodes() {
    }

    /** An integer attribute, or {@code fallback} when absent. */
    static long attr(NodeProto n, String name, long fallback) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return fallback;
    }

    /** An integer-list attribute, or {@code fallback} when absent. */
    static long[] ints(NodeProto n, String name, long[] fallback) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return fallback;
    }

    /** The elements of a small in-graph int64 or float tensor, or null (too large, external, other type). */
    static double[] values(TensorProto t, int maxValues) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        if (n > maxValues || t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return null;
        }
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[(int) n];
        switch (t.getDataType()) {
            case TensorProto.DataType.INT64_VALUE -> {
                for (int i = 0; i < n; i++) {
                    v[i] = raw.getLong();
                }
            }
            case TensorProto.DataType.FLOAT_VALUE -> {
                for (int i = 0; i < n; i++) {
                    v[i] = raw.getFloat();
                }
            }
            default -> {
                return null;
            }
        }
        return raw.remaining() == 0 ? v : null;
    }
}
