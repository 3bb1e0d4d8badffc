package org.bivdiff.graph;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The few CUDA runtime calls {@link CudaRuntime} makes, through the foreign-function API on the
 * {@code cudart} library the CUDA provider will use. {@code cudaSetDevice} and {@code cudaMemGetInfo}
 * create the device's primary context, which ONNX Runtime then shares.
 */
final class CudartCalls implements CudaRuntime.Api {

    private final MethodHandle driverGetVersion;
    private final MethodHandle getDeviceCount;
    private final MethodHandle setDevice;
    private final MethodHandle memGetInfo;
    private final MethodHandle getErrorString;

    CudartCalls(SymbolLookup cudart) {
        Linker linker = Linker.nativeLinker();
        driverGetVersion = handle(linker, cudart, "cudaDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getDeviceCount = handle(linker, cudart, "cudaGetDeviceCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setDevice = handle(linker, cudart, "cudaSetDevice", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        memGetInfo = handle(linker, cudart, "cudaMemGetInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getErrorString = handle(linker, cudart, "cudaGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private static MethodHandle handle(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lib.find(name).orElseThrow(() -> new IllegalStateException(
                "the CUDA runtime library has no function " + name));
        return linker.downcallHandle(symbol, fd);
    }

    @Override
    public int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            int err = (int) driverGetVersion.invokeExact(v);
            return err == 0 ? v.get(JAVA_INT, 0) : 0;
        } catch (Throwable t) {
            throw new IllegalStateException("cudaDriverGetVersion failed: " + t, t);
        }
    }

    @Override
    public int[] deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            int err = (int) getDeviceCount.invokeExact(n);
            return new int[] {err == 0 ? n.get(JAVA_INT, 0) : 0, err};
        } catch (Throwable t) {
            throw new IllegalStateException("cudaGetDeviceCount failed: " + t, t);
        }
    }

    @Override
    public long[] memory(int device) {
        try (Arena a = Arena.ofConfined()) {
            int err = (int) setDevice.invokeExact(device);
            if (err != 0) {
                return new long[] {0, 0, err};
            }
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            err = (int) memGetInfo.invokeExact(free, total);
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0), err};
        } catch (Throwable t) {
            throw new IllegalStateException("cudaMemGetInfo failed: " + t, t);
        }
    }

    @Override
    public String describe(int error) {
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(error);
            return s.equals(MemorySegment.NULL) ? "CUDA error " + error : s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "CUDA error " + error;
        }
    }
}
