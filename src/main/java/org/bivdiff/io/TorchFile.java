package org.bivdiff.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.bivdiff.io.pickle.Py;
import org.bivdiff.io.pickle.PyDict;
import org.bivdiff.io.pickle.PyGlobal;
import org.bivdiff.io.pickle.PyObject;

/**
 * The tensors of a PyTorch checkpoint ({@code .bin}, {@code .pth}, {@code .pt}, {@code .ckpt}) as
 * {@code torch.save} writes it, in its zip or legacy format (see {@link TorchFormats}), read without
 * executing anything. The whole file is memory-mapped: a contiguous tensor is used where it lies (ONNX
 * Runtime reads it as external data at its offset, as for safetensors); a non-contiguous or expanded
 * (stride-0) view, or a tensor of a big-endian file, is gathered into memory when it is first asked for.
 * Materialised bytes are bounded by the file's length.
 *
 * <p><b>Executing nothing.</b> Python's {@code torch.load} runs whatever the pickle names. This reader
 * interprets the pickle itself ({@link org.bivdiff.io.pickle.Unpickler}) with a fixed allow-list
 * ({@link TorchPickle}); any other global, {@code os.system} or {@code builtins.eval} alike, is never
 * looked up or called and becomes an inert record of the call. Such a value is harmless where nobody
 * needs it (a Lightning checkpoint's {@code hyper_parameters} or optimizer state), and is <em>refused</em>
 * where tensors are needed: if it is the pickled object itself, or a value of the state dict, opening
 * fails with the key and the global it names (e.g. {@code 'x': a call of builtins.eval(...) (never
 * executed), not a tensor}). So every hostile file is refused, and nothing is ever executed either way.
 *
 * <p><b>Which dict holds the tensors.</b> The pickled object must be a dict. If it has an entry named, in
 * this order, {@link #STATE_DICT_KEYS} ({@code state_dict} as PyTorch Lightning saves it, then
 * {@code model_state_dict}, {@code model}, {@code module}) whose value is a dict, that is the state dict
 * and the rest (epoch, optimizer state, hyper-parameters) is ignored; otherwise the object itself is the
 * state dict (a diffusers or transformers {@code .bin}). Every value of the state dict must be a tensor
 * of a known dtype; its keys are the tensor names, in pickle order.
 */
public final class TorchFile implements WeightsFile {

    /** The container format. */
    public enum Format {
        /** The zip archive of torch 1.6 and later. */
        ZIP,
        /** The pre-1.6 stream of consecutive pickles. */
        LEGACY
    }

    /** Entries of a checkpoint dict that hold the state dict, in the order they are tried. */
    public static final List<String> STATE_DICT_KEYS = List.of("state_dict", "model_state_dict", "model", "module");

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final Format format;
    private final boolean bigEndian;
    private final String stateDictEntry;
    private final Map<String, TorchTensor> tensors;
    private final Map<String, TensorInfo> infos;
    private final Map<String, byte[]> materialised = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private TorchFile(Path path, Arena arena, MemorySegment file, TorchFormats.Loaded loaded, String stateDictEntry,
            Map<String, TorchTensor> tensors) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.format = loaded.format();
        this.bigEndian = loaded.bigEndian();
        this.stateDictEntry = stateDictEntry;
        this.tensors = Collections.unmodifiableMap(tensors);
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        tensors.forEach((k, t) -> m.put(k, new TensorInfo(k, t.storage().dtype(), t.shape(), 0,
                t.numel() * t.storage().dtype().byteSize())));
        this.infos = Collections.unmodifiableMap(m);
    }

    /**
     * Maps {@code path} and reads its state dict.
     *
     * @throws TorchFileException naming the file and the reason if it is malformed, truncated, or refused
     *                            (see the class comment)
     * @throws IOException        if the file cannot be opened or mapped
     */
    public static TorchFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw TorchFileException.ofFile(path, "the file is empty");
            }
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena).asReadOnly();
            TorchFormats.Loaded loaded = TorchFormats.load(path, file);
            Map<String, TorchTensor> tensors = new LinkedHashMap<>();
            String entry = selectStateDict(path, loaded.root(), tensors);
            return new TorchFile(path, arena, file, loaded, entry, tensors);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Fills {@code out} with the state dict's tensors; returns the entry it came from, or null for the top level. */
    private static String selectStateDict(Path path, Object root, Map<String, TorchTensor> out) throws TorchFileException {
        if (!(root instanceof PyDict top)) {
            throw TorchFileException.ofFile(path, "the pickled object is " + what(root)
                    + ", not a state dict (a dict of tensors)");
        }
        String entry = null;
        PyDict stateDict = top;
        for (String k : STATE_DICT_KEYS) {
            if (top.get(k) instanceof PyDict d) {
                entry = k;
                stateDict = d;
                break;
            }
        }
        for (Map.Entry<Object, Object> e : stateDict.entries().entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw TorchFileException.ofFile(path, "state dict key " + Py.describe(e.getKey()) + " is not a string");
            }
            String where = entry == null ? key : key + "' (in '" + entry + "')";
            if (!(e.getValue() instanceof TorchTensor t)) {
                throw TorchFileException.ofKey(path, where, what(e.getValue()) + ", not a tensor");
            }
            if (t.storage().dtype() == null) {
                throw TorchFileException.ofKey(path, where, "a tensor of storage type " + t.storage().typeName()
                        + ", which this reader does not support (supported: " + TorchPickle.STORAGE_TYPES.keySet() + ")");
            }
            out.put(key, t);
        }
        return entry;
    }

    /** A value described for a refusal: inert calls name their global and say they were never run. */
    private static String what(Object v) {
        return switch (v) {
            case PyObject o -> "a call of " + Py.describe(o) + " (never executed)";
            case PyGlobal g -> "the global " + g.qualifiedName() + " (never resolved)";
            case TorchTensor t -> "a tensor";
            default -> "a " + Py.typeName(v) + " (" + Py.describe(v) + ")";
        };
    }

    /** The container format. */
    public Format format() {
        return format;
    }

    /** True if the storages are big-endian (their tensors are then materialised, byte-swapped). */
    public boolean bigEndian() {
        return bigEndian;
    }

    /** The checkpoint entry the state dict came from ({@code state_dict}, ...), or empty for the top level. */
    public Optional<String> stateDictEntry() {
        return Optional.ofNullable(stateDictEntry);
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public Optional<TensorInfo> info(String name) {
        return Optional.ofNullable(infos.get(name));
    }

    /** The strides of tensor {@code name} as stored, in elements. */
    public long[] stride(String name) throws TorchFileException {
        return require(name).stride();
    }

    /**
     * In the file for a contiguous tensor of a little-endian file; otherwise the tensor gathered into
     * C order (and byte-swapped from a big-endian file), kept until {@link #close()}.
     */
    @Override
    public TensorLocation locate(String name) throws TorchFileException {
        TorchTensor t = require(name);
        if (inPlace(t)) {
            long es = t.storage().dtype().byteSize();
            return new TensorLocation.InFile(path, t.storage().offset() + t.storageOffset() * es, t.numel() * es);
        }
        return new TensorLocation.InMemory(materialised(name, t));
    }

    @Override
    public MemorySegment segment(String name) throws TorchFileException {
        TorchTensor t = require(name);
        if (inPlace(t)) {
            long es = t.storage().dtype().byteSize();
            return file.asSlice(t.storage().offset() + t.storageOffset() * es, t.numel() * es);
        }
        return MemorySegment.ofArray(materialised(name, t)).asReadOnly();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            materialised.clear();
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "TorchFile[" + path + ", " + format + ", " + tensors.size() + " tensors"
                + (stateDictEntry == null ? "" : " in '" + stateDictEntry + "'") + "]";
    }

    private boolean inPlace(TorchTensor t) {
        return !bigEndian && t.isContiguous();
    }

    private TorchTensor require(String name) throws TorchFileException {
        TorchTensor t = tensors.get(name);
        if (t == null) {
            throw new TorchFileException(path + ": tensor '" + name + "': no such tensor (the file holds "
                    + tensors.size() + " tensors)");
        }
        return t;
    }

    private byte[] materialised(String name, TorchTensor t) throws TorchFileException {
        byte[] known = materialised.get(name);
        if (known != null) {
            return known;
        }
        int es = t.storage().dtype().byteSize();
        long bytes = t.numel() * es;
        if (bytes > file.byteSize() || bytes > MAX_ARRAY) {
            throw new TorchFileException(path + ": tensor '" + name + "': " + t + " would take " + bytes
                    + " bytes gathered, more than the file's " + file.byteSize() + "; refusing to materialise it");
        }
        byte[] out = gather(t, es, (int) bytes);
        if (bigEndian) {
            swap(out, es);
        }
        materialised.put(name, out);
        return out;
    }

    /** The elements of view {@code t} in C order. */
    private byte[] gather(TorchTensor t, int es, int bytes) {
        byte[] out = new byte[bytes];
        if (bytes == 0) {
            return out;
        }
        MemorySegment dst = MemorySegment.ofArray(out);
        long[] shape = t.shape();
        long[] stride = t.stride();
        int nd = shape.length;
        long inner = nd == 0 ? 1 : shape[nd - 1];
        long innerStride = nd == 0 ? 0 : stride[nd - 1];
        long base = t.storage().offset();
        long[] idx = new long[Math.max(nd - 1, 0)];
        long at = 0;
        while (true) {
            long src = t.storageOffset();
            for (int i = 0; i < idx.length; i++) {
                src += idx[i] * stride[i];
            }
            if (innerStride == 1) {
                MemorySegment.copy(file, base + src * es, dst, at, inner * es);
            } else {
                for (long j = 0; j < inner; j++) {
                    MemorySegment.copy(file, base + (src + j * innerStride) * es, dst, at + j * es, es);
                }
            }
            at += inner * es;
            int d = idx.length - 1;
            while (d >= 0 && ++idx[d] == shape[d]) {
                idx[d--] = 0;
            }
            if (d < 0) {
                return out;
            }
        }
    }

    private static void swap(byte[] b, int es) {
        for (int i = 0; i + es <= b.length; i += es) {
            for (int lo = i, hi = i + es - 1; lo < hi; lo++, hi--) {
                byte x = b[lo];
                b[lo] = b[hi];
                b[hi] = x;
            }
        }
    }
}
