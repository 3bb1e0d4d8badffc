package org.bivdiff.graph;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Hands the memory a closed session freed back to the operating system. ONNX Runtime allocates with the C library's
 * malloc, and glibc keeps freed memory for later allocations of the same arena instead of returning it: after an SD
 * 1.5 UNet session ran at 64x64 and was closed, the process still held 1.7 GB of its 3.7 GB. A model loaded on
 * another thread allocates from another arena and cannot reuse it, so the next stage's models would stack on top of
 * it. glibc's {@code malloc_trim} returns it (the process went down to 0.1 GB); on other C libraries, where the
 * function is absent, nothing is done.
 */
final class NativeMemory {

    private static final Optional<MethodHandle> MALLOC_TRIM = lookup();

    private NativeMemory() {
    }

    /** Whether the C library has {@code malloc_trim} (glibc). */
    static boolean available() {
        return MALLOC_TRIM.isPresent();
    }

    /** Returns the free memory of every malloc arena to the operating system, where glibc is the C library. */
    static void trim() {
        MALLOC_TRIM.ifPresent(h -> {
            try {
                int released = (int) h.invokeExact(0L);          // 1 when memory was returned
            } catch (Throwable e) {
                // the memory stays with the process: nothing is lost but the saving
            }
        });
    }

    private static Optional<MethodHandle> lookup() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("malloc_trim").map(symbol -> linker.downcallHandle(symbol,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)));
        } catch (RuntimeException e) {                  // no native access, or no such platform support
            return Optional.empty();
        }
    }
}
