package org.bivdiff.graph;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Memory malloc kept after it was freed goes back to the operating system (Linux with glibc, as CI runs). */
class NativeMemoryTest {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(LINKER.defaultLookup().find("malloc").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

    private static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    @Test
    void freedMallocMemoryIsReturned() throws Throwable {
        assertTrue(NativeMemory.available(), "glibc's malloc_trim");
        // 256 MB in 64 KiB blocks (below malloc's mmap threshold, so they come from the heap), every page touched;
        // all but the last freed, which pins the heap's top so that free alone cannot shrink it
        int blocks = 4096;
        long size = 64 << 10;
        List<MemorySegment> held = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            MemorySegment m = ((MemorySegment) MALLOC.invokeExact(size)).reinterpret(size);
            m.fill((byte) 1);
            held.add(m);
        }
        for (MemorySegment m : held.subList(0, blocks - 1)) {
            FREE.invokeExact(m);
        }
        long kept = residentKb();
        NativeMemory.trim();
        long trimmed = residentKb();
        FREE.invokeExact(held.getLast());
        assertTrue(kept - trimmed > 128 << 10, "resident " + kept + " kB before the trim, " + trimmed + " kB after");
    }
}
