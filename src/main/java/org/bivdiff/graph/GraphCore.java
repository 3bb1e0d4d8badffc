package org.bivdiff.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import org.bivdiff.io.DType;
import org.bivdiff.io.Spellings;

/**
 * The bookkeeping under {@link Graph}: inputs with symbolic dimensions, outputs, weights as external
 * data pointing into safetensors files, constants, nodes, and the finished ONNX model. {@link Graph}
 * adds the op vocabulary on top.
 *
 * <p>A graph computes in one floating-point type, its {@linkplain #computeType() compute type}: float32,
 * or float16 for providers with half-precision kernels. Weights and constants come in that type, and
 * {@link #computeInput} casts float32 inputs into it; outputs are always float32, so callers feed and
 * read float32 tensors whatever the graph computes in. Code that must stay float32 in a float16 graph
 * (the sinusoidal timestep embedding) uses the {@link DType#F32} overloads and {@link #toCompute}.
 */
abstract class GraphCore {

    /** The ONNX opset the graphs are written against. */
    public static final int OPSET = 17;
    /** The opset of ONNX Runtime's contrib ops ({@code MultiHeadAttention}). */
    public static final int MS_OPSET = 1;
    /** Placeholder for an omitted optional node input. */
    public static final Value NONE = new Value("");

    private final String name;
    private final DType computeType;
    private final GraphProto.Builder proto = GraphProto.newBuilder();
    private final Map<String, Value> weightsByKey = new HashMap<>();
    /** The weights kept in their files, by key. */
    private final Map<String, ExternalTensor> externals = new LinkedHashMap<>();
    private final Map<String, Value> outputs = new LinkedHashMap<>();
    private final List<String> inputs = new ArrayList<>();
    private int counter;

    GraphCore(String name, DType computeType) {
        if (computeType != DType.F32 && computeType != DType.F16) {
            throw new IllegalArgumentException("graphs compute in F32 or F16, not " + computeType);
        }
        this.name = name;
        this.computeType = computeType;
    }

    /** The floating-point type weights, constants and activations have inside this graph. */
    public DType computeType() {
        return computeType;
    }

    /**
     * A graph input. Each dimension is an {@link Integer} (fixed) or a {@link String} (symbolic; the
     * same name means the same size).
     */
    public Value input(String inputName, DType dtype, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            switch (d) {
                case Integer i -> shape.addDimBuilder().setDimValue(i);
                case Long l -> shape.addDimBuilder().setDimValue(l);
                case String s -> shape.addDimBuilder().setDimParam(s);
                default -> throw new IllegalArgumentException("dimension must be a number or a name: " + d);
            }
        }
        proto.addInput(valueInfo(inputName, onnxType(dtype), shape.build()));
        inputs.add(inputName);
        return new Value(inputName);
    }

    /** A float32 input, as the graph's compute type. Dimensions as {@link #input}. */
    public Value computeInput(String inputName, Object... dims) {
        return toCompute(input(inputName, DType.F32, dims));
    }

    /** {@code value} (float32) in the compute type: itself in a float32 graph, a Cast otherwise. */
    public Value toCompute(Value value) {
        return computeType == DType.F32 ? value : cast(value, computeType);
    }

    /** Declares {@code value} (in the compute type) as the float32 graph output {@code outputName}. */
    public void output(String outputName, Value value) {
        if (outputs.containsKey(outputName)) {
            throw new IllegalArgumentException("output '" + outputName + "' declared twice");
        }
        Value v;
        if (computeType != DType.F32) {
            v = node("Cast", List.of(value), List.of(Attr.i("to", DataType.FLOAT_VALUE)), outputName);
        } else {
            v = value.name().equals(outputName) ? value : node("Identity", List.of(value), List.of(), outputName);
        }
        outputs.put(outputName, v);
        proto.addOutput(ValueInfoProto.newBuilder().setName(outputName).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE))).build());
    }

    /** True if an output of that name was declared. */
    public boolean hasOutput(String outputName) {
        return outputs.containsKey(outputName);
    }

    /**
     * A weight as external data into its file (or, for a materialised weight, stored inside the graph),
     * in the compute type: a weight stored in another type
     * gets a {@code Cast} that ONNX Runtime folds at load, so an F16 checkpoint in a float16 graph is
     * used as it is stored, without a converted copy. The same key always gives the same value.
     */
    public Value weight(ExternalTensor t) {
        Value known = weightsByKey.get(t.key());
        if (known != null) {
            return known;
        }
        TensorProto.Builder b = TensorProto.newBuilder().setName(t.key()).setDataType(onnxType(t.dtype()));
        for (long d : t.shape()) {
            b.addDims(d);
        }
        if (t.isInline()) {
            b.setRawData(ByteString.copyFrom(t.data()));
        } else {
            // "location" is filled in by build(), relative to the common folder of all weight files.
            b.setDataLocation(TensorProto.DataLocation.EXTERNAL);
            b.addExternalData(entry("offset", Long.toString(t.offset())));
            b.addExternalData(entry("length", Long.toString(t.length())));
            externals.put(t.key(), t);
        }
        proto.addInitializer(b);
        Value v = new Value(t.key());
        if (t.dtype() != computeType) {
            if (!t.dtype().isFloating()) {
                throw new IllegalArgumentException("weight " + t + " is not floating point");
            }
            v = node("Cast", List.of(v), List.of(Attr.i("to", onnxType(computeType))),
                    t.key() + "/" + Spellings.lower(computeType));
        }
        weightsByKey.put(t.key(), v);
        return v;
    }

    /** A constant in the compute type, stored inside the graph (small tensors only). */
    public Value constant(float[] data, long... shape) {
        return constant(computeType, data, shape);
    }

    /** A constant of floating-point {@code type} (F32 or F16), stored inside the graph. */
    public Value constant(DType type, float[] data, long... shape) {
        ByteBuffer buf = ByteBuffer.allocate(data.length * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) {
            switch (type) {
                case F32 -> buf.putFloat(f);
                case F16 -> buf.putShort(Float.floatToFloat16(f));
                default -> throw new IllegalArgumentException("float constants are F32 or F16, not " + type);
            }
        }
        return initializer(onnxType(type), ByteString.copyFrom(buf.array()), shape);
    }

    /** A scalar constant in the compute type. */
    public Value scalar(float value) {
        return constant(new float[] {value});
    }

    /** A scalar constant of floating-point {@code type}. */
    public Value scalar(DType type, float value) {
        return constant(type, new float[] {value});
    }

    /** A 1-D int64 constant, e.g. a shape or axes list. */
    public Value longs(long... values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        return initializer(DataType.INT64_VALUE, ByteString.copyFrom(buf.array()), values.length);
    }

    /** Element type conversion. */
    public Value cast(Value x, DType to) {
        return node("Cast", List.of(x), List.of(Attr.i("to", onnxType(to))));
    }

    /** One node of the default domain with one output. */
    public Value node(String opType, List<Value> in, List<AttributeProto> attrs) {
        return node(opType, in, attrs, fresh(opType));
    }

    /** One node of the default domain whose single output has the given name. */
    public Value node(String opType, List<Value> in, List<AttributeProto> attrs, String outputName) {
        return nodes("", opType, in, attrs, List.of(outputName)).getFirst();
    }

    /** One node of {@code domain} with {@code outputCount} outputs. */
    public List<Value> node(String domain, String opType, List<Value> in, List<AttributeProto> attrs, int outputCount) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < outputCount; i++) {
            names.add(fresh(opType));
        }
        return nodes(domain, opType, in, attrs, names);
    }

    private List<Value> nodes(String domain, String opType, List<Value> in, List<AttributeProto> attrs, List<String> out) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(out.getFirst() + "/node");
        if (!domain.isEmpty()) {
            n.setDomain(domain);
        }
        for (Value v : in) {
            n.addInput(v.name());
        }
        n.addAllOutput(out);
        n.addAllAttribute(attrs);
        proto.addNode(n);
        return out.stream().map(Value::new).toList();
    }

    /** Freezes the graph. Weight locations are made relative to the deepest folder holding every weight file. */
    public Model build() {
        if (outputs.isEmpty()) {
            throw new IllegalStateException("graph '" + name + "' has no outputs");
        }
        Path base = commonFolder();
        GraphProto.Builder g = proto.clone().setName(name);
        for (TensorProto.Builder init : g.getInitializerBuilderList()) {
            if (init.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                ExternalTensor t = externals.get(init.getName());
                init.addExternalData(0, entry("location", base.relativize(t.file()).toString()));
            }
        }
        ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("bivdiff").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(MS_OPSET))
                .build();
        return new Model(name, model, base, List.copyOf(inputs), List.copyOf(outputs.keySet()));
    }

    private Path commonFolder() {
        Path base = null;
        for (ExternalTensor t : externals.values()) {
            Path folder = t.file().getParent();
            if (base == null) {
                base = folder;
            }
            while (!folder.startsWith(base)) {
                base = base.getParent();
            }
        }
        return base == null ? Path.of("").toAbsolutePath() : base;
    }

    private Value initializer(int dataType, ByteString raw, long... shape) {
        String n = fresh("const");
        TensorProto.Builder b = TensorProto.newBuilder().setName(n).setDataType(dataType).setRawData(raw);
        for (long d : shape) {
            b.addDims(d);
        }
        proto.addInitializer(b);
        return new Value(n);
    }

    private String fresh(String prefix) {
        return prefix + "_" + (counter++);
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static ValueInfoProto valueInfo(String n, int elemType, TensorShapeProto shape) {
        return ValueInfoProto.newBuilder().setName(n).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }

    static int onnxType(DType t) {
        return switch (t) {
            case F64 -> DataType.DOUBLE_VALUE;
            case F32 -> DataType.FLOAT_VALUE;
            case F16 -> DataType.FLOAT16_VALUE;
            case BF16 -> DataType.BFLOAT16_VALUE;
            case I64 -> DataType.INT64_VALUE;
            case I32 -> DataType.INT32_VALUE;
            case I16 -> DataType.INT16_VALUE;
            case I8 -> DataType.INT8_VALUE;
            case U8 -> DataType.UINT8_VALUE;
            case BOOL -> DataType.BOOL_VALUE;
        };
    }

    @Override
    public String toString() {
        return "Graph[" + name + ", " + proto.getNodeCount() + " nodes, " + externals.size() + " weights, outputs "
                + Arrays.toString(outputs.keySet().toArray()) + "]";
    }
}
