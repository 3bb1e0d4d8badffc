package org.bivdiff.prototype;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The CPU time of the whole process (all threads, ONNX Runtime's and OpenMP's included) in nanoseconds, from
 * Linux's {@code clock_gettime(CLOCK_PROCESS_CPUTIME_ID)}: the JDK's process CPU time counts in 10 ms ticks,
 * too coarse for single ops.
 */
final class CpuClock {

    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;
    @SuppressWarnings("restricted")                      // a libc call with a fixed, checked signature
    private static final MethodHandle CLOCK_GETTIME = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("clock_gettime").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    private final MemorySegment timespec = Arena.global().allocate(16, 8);   // struct timespec {sec, nsec}

    long nanos() {
        try {
            int rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_PROCESS_CPUTIME_ID, timespec);
            if (rc != 0) {
                throw new IllegalStateException("clock_gettime failed: " + rc);
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return timespec.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + timespec.get(ValueLayout.JAVA_LONG, 8);
    }
}
