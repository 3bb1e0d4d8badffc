package org.bivdiff.io;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import org.bivdiff.tensor.Tensor;

/**
 * One open weights file of either format: a {@link SafeTensorsFile} or a {@link TorchFile}. Tensors are
 * named by their state-dict keys; {@link #locate} says where each one's bytes lie, and the read methods
 * convert them to host arrays.
 */
public sealed interface WeightsFile extends AutoCloseable permits SafeTensorsFile, TorchFile {

    /** Elements a single Java array holds safely. */
    long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** The file this was opened from. */
    Path path();

    /** The tensor names, unmodifiable (safetensors: in offset order; torch: in pickle order). */
    Set<String> names();

    /**
     * The dtype and shape of tensor {@code name}, if any. Its {@code begin}/{@code end} are only meaningful
     * for a safetensors entry (relative to the data section); for other formats they are
     * {@code [0, byteLength)}: use {@link #locate} for where the bytes lie.
     */
    Optional<TensorInfo> info(String name);

    /** Where tensor {@code name}'s bytes lie. */
    TensorLocation locate(String name) throws CheckpointException;

    /**
     * The raw little-endian, C-ordered bytes of tensor {@code name}: a read-only slice of the file's
     * mapping, or of the materialised copy; valid until {@link #close()}.
     */
    MemorySegment segment(String name) throws CheckpointException;

    /** Unmaps the file; idempotent. */
    @Override
    void close();

    /** Whether the file holds a tensor named {@code name}. */
    default boolean contains(String name) {
        return info(name).isPresent();
    }

    /**
     * Tensor {@code name} as floats in C order. F32/F16/BF16/F64 convert as IEEE does; integer and BOOL
     * types convert as a Java {@code (float)} cast does (exact up to 2^24).
     */
    default float[] readFloats(String name) throws CheckpointException {
        TensorInfo t = require(name);
        return ElementCodec.toFloats(segment(name), t.dtype(), arrayLength(t));
    }

    /** Tensor {@code name}, of an integer type (I64, I32, I16, I8, U8, BOOL), as longs in C order. */
    default long[] readLongs(String name) throws CheckpointException {
        TensorInfo t = require(name);
        if (t.dtype().isFloating()) {
            throw CheckpointException.ofTensor(path(), name, "is " + t.dtype() + ", not an integer type; read it with readFloats");
        }
        return ElementCodec.toLongs(segment(name), t.dtype(), arrayLength(t));
    }

    /** Tensor {@code name} as a float {@link Tensor}, converted as {@link #readFloats} does. */
    default Tensor readTensor(String name) throws CheckpointException {
        TensorInfo t = require(name);
        long[] s = t.shape();
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            if (s[i] > Integer.MAX_VALUE) {
                throw CheckpointException.ofTensor(path(), name, "dimension " + i + " of " + Arrays.toString(s)
                        + " exceeds the int range of a host Tensor");
            }
            shape[i] = (int) s[i];
        }
        return new Tensor(shape, readFloats(name));
    }

    private TensorInfo require(String name) throws CheckpointException {
        return info(name).orElseThrow(() -> CheckpointException.ofTensor(path(), name, "no such tensor (the file holds "
                + names().size() + " tensors)"));
    }

    private int arrayLength(TensorInfo t) throws CheckpointException {
        long n = t.numel();
        if (n > MAX_ARRAY) {
            throw CheckpointException.ofTensor(path(), t.name(), t.dtype() + " " + Arrays.toString(t.shape()) + " has "
                    + n + " elements, more than one Java array holds (" + MAX_ARRAY + "); use segment()");
        }
        return (int) n;
    }
}
