package org.bivdiff.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bivdiff.io.SafeTensorsWriter.DataSource;
import org.bivdiff.io.SafeTensorsWriter.Entry;
import org.bivdiff.io.SafeTensorsWriter.Spec;
import org.bivdiff.io.pickle.PickleWriter;

/**
 * Writes a PyTorch checkpoint in {@code torch.save}'s zip format (torch 1.13's layout: records
 * {@code <archive>/data.pkl}, {@code <archive>/byteorder}, {@code <archive>/data/<key>} with 64-byte
 * aligned data, {@code <archive>/version}; protocol 2 pickle) that {@code torch.load} and
 * {@link TorchFile} read: a state dict ({@code torch.save(model.state_dict())}, a diffusers {@code .bin}),
 * or, with {@link #nestedUnder}, a checkpoint dict holding it (PyTorch Lightning's
 * {@code {'state_dict': ..., 'epoch': ...}}, as BIVDiff's {@code ModelT2V.pth}). Each tensor has its own
 * storage; {@link #view} adds tensors that view an earlier tensor's storage (shared, transposed or
 * expanded), as state dicts may hold.
 *
 * <pre>{@code
 * TorchWriter.write(path, entries);                                        // a state dict
 * new TorchWriter().tensors(entries).nestedUnder("state_dict", Map.of("epoch", 3L)).write(path);
 * }</pre>
 */
public final class TorchWriter {

    /**
     * A tensor viewing the storage of tensor {@code storageOf}, which must come earlier.
     *
     * @param name          state-dict key
     * @param storageOf     the tensor whose storage is viewed
     * @param storageOffset first element
     * @param shape         dimensions
     * @param stride        strides in elements
     */
    public record View(String name, String storageOf, long storageOffset, long[] shape, long[] stride) {

        public View {
            shape = shape.clone();
            stride = stride.clone();
            if (shape.length != stride.length) {
                throw new IllegalArgumentException("view '" + name + "': " + shape.length + " dims but " + stride.length
                        + " strides");
            }
        }
    }

    private final List<Spec> specs = new ArrayList<>();
    private final Map<String, byte[]> data = new HashMap<>();
    private final List<View> views = new ArrayList<>();
    private DataSource source = spec -> data.get(spec.name());
    private String entry;
    private Map<String, Object> extra = Map.of();

    /** Writes {@code entries} as a state dict ({@code torch.save(OrderedDict)}). */
    public static void write(Path path, List<Entry> entries) throws IOException {
        new TorchWriter().tensors(entries).write(path);
    }

    /** Adds tensors, each with its own storage, in order. */
    public TorchWriter tensors(List<Entry> entries) {
        for (Entry e : entries) {
            specs.add(new Spec(e.name(), e.dtype(), e.shape()));
            data.put(e.name(), e.data());
        }
        return this;
    }

    /**
     * Adds tensors whose bytes {@code dataSource} produces one at a time while the file is written, so a
     * checkpoint far larger than memory can be written. Do not mix with {@link #tensors}.
     */
    public TorchWriter streamed(List<Spec> tensorSpecs, DataSource dataSource) {
        specs.addAll(tensorSpecs);
        this.source = dataSource;
        return this;
    }

    /** Adds a tensor viewing an earlier tensor's storage. */
    public TorchWriter view(View v) {
        views.add(v);
        return this;
    }

    /**
     * Writes the state dict as entry {@code stateDictEntry} of a top-level dict that also holds
     * {@code extraEntries} (values: strings, longs, doubles, booleans, null, lists and maps of those).
     */
    public TorchWriter nestedUnder(String stateDictEntry, Map<String, Object> extraEntries) {
        this.entry = stateDictEntry;
        this.extra = new LinkedHashMap<>(extraEntries);
        return this;
    }

    /** Writes the file (to a temporary name first, then moved into place). */
    public void write(Path path) throws IOException {
        write(path, false);
    }

    /** {@link #write(Path)}, with every zip record in its ZIP64 form if {@code forceZip64} (for tests). */
    void write(Path path, boolean forceZip64) throws IOException {
        Path target = path.toAbsolutePath();
        String archive = archiveName(target);
        Map<String, Integer> keys = new HashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            keys.put(specs.get(i).name(), i);
        }
        byte[] pickle = pickle(keys);
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (ZipWriter zip = new ZipWriter(tmp, forceZip64)) {
                zip.add(archive + "/data.pkl", pickle);
                zip.add(archive + "/byteorder", "little".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                for (int i = 0; i < specs.size(); i++) {
                    Spec s = specs.get(i);
                    zip.add(archive + "/data/" + i, s.byteLength(), sink -> sink.write(bytes(s)));
                }
                zip.add(archive + "/version", "3\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private byte[] bytes(Spec s) throws IOException {
        byte[] b = source.bytes(s);
        if (b == null || b.length != s.byteLength()) {
            throw new IllegalArgumentException("tensor '" + s.name() + "': " + s + " needs " + s.byteLength() + " bytes, got "
                    + (b == null ? "none" : b.length));
        }
        return b;
    }

    /** torch names the archive folder after the file, without its extension. */
    private static String archiveName(Path target) {
        String n = target.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private byte[] pickle(Map<String, Integer> keys) {
        PickleWriter p = new PickleWriter().proto();
        if (entry != null) {
            p.op('}').op('(').string(entry);
        }
        p.global("collections", "OrderedDict").op(')').op('R').op('(');
        for (Spec s : specs) {
            p.string(s.name());
            tensor(p, s, keys.get(s.name()), 0, s.shape(), contiguousStrides(s.shape()));
        }
        for (View v : views) {
            Integer key = keys.get(v.storageOf());
            if (key == null) {
                throw new IllegalArgumentException("view '" + v.name() + "': no tensor '" + v.storageOf() + "' to view");
            }
            p.string(v.name());
            tensor(p, specs.get(key), key, v.storageOffset(), v.shape(), v.stride());
        }
        p.op('u');
        if (entry != null) {
            extra.forEach((k, v) -> value(p.string(k), v));
            p.op('u');
        }
        return p.op('.').toByteArray();
    }

    /** {@code _rebuild_tensor_v2(('storage', <T>Storage, key, 'cpu', numel), offset, size, stride, False, OrderedDict())}. */
    private static void tensor(PickleWriter p, Spec storage, int key, long offset, long[] shape, long[] stride) {
        p.global("torch._utils", "_rebuild_tensor_v2").op('(');
        p.op('(').string("storage").global("torch", storageClass(storage.dtype())).string(Integer.toString(key))
                .string("cpu").integer(numel(storage.shape())).op('t').op('Q');
        p.integer(offset);
        longs(p, shape);
        longs(p, stride);
        p.bool(false).global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
    }

    private static void longs(PickleWriter p, long[] values) {
        p.op('(');
        for (long v : values) {
            p.integer(v);
        }
        p.op('t');
    }

    private static void value(PickleWriter p, Object v) {
        switch (v) {
            case null -> p.op('N');
            case String s -> p.string(s);
            case Long l -> p.integer(l);
            case Integer i -> p.integer(i);
            case Double d -> p.floating(d);
            case Boolean b -> p.bool(b);
            case List<?> l -> {
                p.op(']');
                if (!l.isEmpty()) {
                    p.op('(');
                    l.forEach(x -> value(p, x));
                    p.op('e');
                }
            }
            case Map<?, ?> m -> {
                p.op('}');
                if (!m.isEmpty()) {
                    p.op('(');
                    m.forEach((k, x) -> value(p.string(String.valueOf(k)), x));
                    p.op('u');
                }
            }
            default -> throw new IllegalArgumentException("cannot write a " + v.getClass().getSimpleName() + " value");
        }
    }

    /** The torch storage class of {@code dtype}. */
    static String storageClass(DType dtype) {
        return TorchPickle.STORAGE_TYPES.entrySet().stream().filter(e -> e.getValue() == dtype).findFirst()
                .orElseThrow().getKey();
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static long[] contiguousStrides(long[] shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            stride[i] = s;
            s *= shape[i];
        }
        return stride;
    }
}
