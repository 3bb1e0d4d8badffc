package org.bivdiff.io;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.bivdiff.io.pickle.PickleException;
import org.bivdiff.io.pickle.Py;
import org.bivdiff.io.pickle.PyDict;
import org.bivdiff.io.pickle.PyGlobal;
import org.bivdiff.io.pickle.PyList;
import org.bivdiff.io.pickle.PyNone;
import org.bivdiff.io.pickle.PyObject;
import org.bivdiff.io.pickle.PyTuple;
import org.bivdiff.io.pickle.Unpickler;

/**
 * The meaning a torch checkpoint's pickle may give its globals: a fixed allow-list, and nothing else.
 * <ul>
 * <li>{@code collections.OrderedDict}: a dict (called with no arguments, or with a list of pairs as
 * Python 2 pickled it);</li>
 * <li>{@code torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata])}: a {@link TorchTensor}, checked to lie inside its storage;
 * {@code requires_grad}, the hooks and the metadata are ignored;</li>
 * <li>the storage classes {@code torch.<T>Storage} (and the legacy format's {@code torch.cuda.<T>Storage})
 * of {@link #STORAGE_TYPES}: element types, named in persistent ids
 * {@code ('storage', type, key, location, numel)} (the legacy format adds a sixth item, {@code None}).</li>
 * </ul>
 * Every other global, {@code torch._utils._rebuild_parameter} and {@code os.system} alike, stays an inert
 * name (see {@link Unpickler}). A persistent id naming a storage class outside the list (complex, quantized,
 * float8) gives a storage without a dtype: an error only if a tensor needs it.
 */
final class TorchPickle implements Unpickler.Resolver {

    /** Where storages come from: the zip format's records, or the legacy stream's trailing data. */
    interface Storages {
        /** The storage {@code key} of {@code dtype} (null if unknown) and {@code numel} elements. */
        TorchStorage storage(String key, DType dtype, String typeName, long numel) throws PickleException;
    }

    /** The storage classes torch writes, by element type. */
    static final Map<String, DType> STORAGE_TYPES = Map.of("DoubleStorage", DType.F64, "FloatStorage", DType.F32,
            "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16, "LongStorage", DType.I64, "IntStorage", DType.I32,
            "ShortStorage", DType.I16, "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);

    private enum Callable { ORDERED_DICT, REBUILD_TENSOR_V2 }

    /** An allowed storage class. */
    private record StorageType(PyGlobal global, DType dtype) {
    }

    private static final Map<String, Object> ALLOWED = allowed();

    private final Storages storages;
    private final int pidLength;
    private final long fileLength;

    /**
     * @param storages   resolves persistent ids
     * @param pidLength  5 for the zip format, 6 for the legacy one
     * @param fileLength the file's length, bounding every storage
     */
    TorchPickle(Storages storages, int pidLength, long fileLength) {
        this.storages = storages;
        this.pidLength = pidLength;
        this.fileLength = fileLength;
    }

    /** Interprets one pickle of a torch file. */
    Unpickler.Result load(MemorySegment data, long start, long end) throws PickleException {
        return Unpickler.load(data, start, end, this);
    }

    private static Map<String, Object> allowed() {
        Map<String, Object> m = new HashMap<>();
        m.put("collections.OrderedDict", Callable.ORDERED_DICT);
        m.put("torch._utils._rebuild_tensor_v2", Callable.REBUILD_TENSOR_V2);
        for (Map.Entry<String, DType> e : STORAGE_TYPES.entrySet()) {
            for (String module : List.of("torch", "torch.cuda")) {
                m.put(module + "." + e.getKey(), new StorageType(new PyGlobal(module, e.getKey()), e.getValue()));
            }
        }
        return Map.copyOf(m);
    }

    @Override
    public Object global(String module, String name) {
        return ALLOWED.get(module + "." + name);
    }

    @Override
    public Object call(Object callable, PyTuple args) throws PickleException {
        return switch (callable) {
            case Callable.ORDERED_DICT -> orderedDict(args);
            case Callable.REBUILD_TENSOR_V2 -> rebuildTensor(args);
            case StorageType s -> new PyObject(s.global(), args);   // storages are never built by calls in torch files
            default -> throw new PickleException("cannot call a " + Py.typeName(callable));
        };
    }

    private static PyDict orderedDict(PyTuple args) throws PickleException {
        PyDict d = new PyDict();
        if (args.size() == 0) {
            return d;
        }
        List<Object> pairs = switch (args.size() == 1 ? args.get(0) : null) {
            case PyList l -> l.items();
            case PyTuple t -> t.items();
            case null, default -> throw new PickleException("OrderedDict called with " + Py.describe(args)
                    + "; expected no arguments or one list of pairs");
        };
        for (Object p : pairs) {
            List<Object> kv = p instanceof PyTuple t ? t.items() : p instanceof PyList l ? l.items() : List.of();
            if (kv.size() != 2) {
                throw new PickleException("OrderedDict item " + Py.describe(p) + " is not a key-value pair");
            }
            d.put(kv.get(0), kv.get(1));
        }
        return d;
    }

    @Override
    public Object persistentLoad(Object pid) throws PickleException {
        if (!(pid instanceof PyTuple t) || t.size() != pidLength || !"storage".equals(t.get(0))) {
            throw new PickleException("persistent id " + Py.describe(pid) + " is not ('storage', type, key, location, numel"
                    + (pidLength == 6 ? ", view)" : ")"));
        }
        DType dtype = null;
        String typeName;
        switch (t.get(1)) {
            case StorageType s -> {
                dtype = s.dtype();
                typeName = s.global().qualifiedName();
            }
            case PyGlobal g -> typeName = g.qualifiedName();
            case Object other -> throw new PickleException("persistent id storage type is a " + Py.typeName(other));
        }
        if (!(t.get(2) instanceof String key) || !(t.get(3) instanceof String)) {
            throw new PickleException("persistent id " + Py.describe(pid) + ": key and location must be strings");
        }
        long numel = nonNegative(t.get(4), "storage element count");
        if (dtype != null && numel > fileLength / dtype.byteSize()) {
            throw new PickleException("storage '" + key + "' of " + numel + " " + dtype + " elements is larger than the file ("
                    + fileLength + " bytes)");
        }
        if (pidLength == 6 && t.get(5) != PyNone.NONE) {
            throw new PickleException("storage '" + key + "' is a view of another storage (" + Py.describe(t.get(5))
                    + "): the pre-1.0 storage views are not supported");
        }
        return storages.storage(key, dtype, typeName, numel);
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private static TorchTensor rebuildTensor(PyTuple args) throws PickleException {
        if (args.size() != 6 && args.size() != 7) {
            throw new PickleException("_rebuild_tensor_v2 called with " + args.size() + " arguments, expected 6 or 7");
        }
        if (!(args.get(0) instanceof TorchStorage storage)) {
            throw new PickleException("_rebuild_tensor_v2's storage is a " + Py.typeName(args.get(0)));
        }
        long offset = nonNegative(args.get(1), "storage offset");
        long[] shape = longs(args.get(2), "size");
        long[] stride = longs(args.get(3), "stride");
        if (stride.length != shape.length) {
            throw new PickleException("_rebuild_tensor_v2 size has " + shape.length + " dimensions but stride has "
                    + stride.length);
        }
        if (!(args.get(4) instanceof Boolean)) {
            throw new PickleException("_rebuild_tensor_v2's requires_grad is a " + Py.typeName(args.get(4)));
        }
        long last = offset;    // the last element the view touches
        long numel = 1;
        try {
            for (int i = 0; i < shape.length; i++) {
                numel = Math.multiplyExact(numel, shape[i]);
                if (shape[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
                }
            }
        } catch (ArithmeticException e) {
            throw new PickleException("tensor of size " + java.util.Arrays.toString(shape) + " and stride "
                    + java.util.Arrays.toString(stride) + " overflows");
        }
        if (numel > 0 && last >= storage.numel()) {
            throw new PickleException("tensor of size " + java.util.Arrays.toString(shape) + ", stride "
                    + java.util.Arrays.toString(stride) + " at offset " + offset + " reaches element " + last + " of "
                    + storage + ", past its end");
        }
        return new TorchTensor(storage, offset, shape, stride);
    }

    private static long[] longs(Object v, String what) throws PickleException {
        if (!(v instanceof PyTuple t)) {
            throw new PickleException("_rebuild_tensor_v2's " + what + " is a " + Py.typeName(v) + ", not a tuple");
        }
        if (t.size() > 64) {
            throw new PickleException("_rebuild_tensor_v2's " + what + " has " + t.size() + " dimensions");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = nonNegative(t.get(i), what + " entry");
        }
        return out;
    }

    private static long nonNegative(Object v, String what) throws PickleException {
        if (!(v instanceof Long l) || l < 0) {
            throw new PickleException(what + " " + Py.describe(v) + " is not a non-negative integer");
        }
        return l;
    }
}
