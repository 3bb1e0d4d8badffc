package org.bivdiff.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.SymbolLookup;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

/**
 * The CUDA check on machines made up for it: each thing that can be missing gives its own line, checked in
 * the order ONNX Runtime would trip over them, and a machine with everything gives the GPU.
 */
class CudaRuntimeTest {

    private static final CudaRuntime.Libraries LINUX = CudaRuntime.Libraries.LINUX;
    private static final Set<String> ALL = Set.of("libcuda.so.1", "libcudart.so.12", "libcublas.so.12",
            "libcublasLt.so.12", "libcurand.so.10", "libcudnn.so.9");

    /** A dynamic loader that opens exactly {@code present}. */
    private static Function<String, Optional<SymbolLookup>> loader(Set<String> present) {
        return name -> present.contains(name) ? Optional.of(n -> Optional.empty()) : Optional.empty();
    }

    private static Set<String> without(String... missing) {
        Set<String> s = new java.util.HashSet<>(ALL);
        s.removeAll(Set.of(missing));
        return s;
    }

    /** A CUDA runtime answering with fixed values. */
    private record FakeApi(int driver, int count, int countError, long free, long total, int memError)
            implements CudaRuntime.Api {
        @Override
        public int driverVersion() {
            return driver;
        }

        @Override
        public int[] deviceCount() {
            return new int[] {count, countError};
        }

        @Override
        public long[] memory(int device) {
            return new long[] {free, total, memError};
        }

        @Override
        public String describe(int error) {
            return "error text " + error;
        }
    }

    private static final FakeApi ONE_GPU = new FakeApi(12040, 1, 0, 22_100_000_000L, 24_000_000_000L, 0);

    private static CudaRuntime.Check check(int device, Set<String> present, FakeApi api) {
        return CudaRuntime.check(device, true, LINUX, loader(present), lib -> api);
    }

    private static String problem(int device, Set<String> present, FakeApi api) {
        CudaRuntime.Check c = check(device, present, api);
        assertFalse(c.ready());
        assertNull(c.gpu());
        assertFalse(c.problem().contains("\n"), c.problem());
        return c.problem();
    }

    @Test
    void aMachineWithEverythingGivesTheGpu() {
        CudaRuntime.Check c = check(0, ALL, ONE_GPU);
        assertTrue(c.ready());
        assertEquals(new CudaRuntime.Gpu(0, 22_100_000_000L, 24_000_000_000L, 12040), c.gpu());
        assertEquals("GPU 0: 22.1 of 24.0 GB free, driver CUDA 12.4", c.gpu().describe());
    }

    @Test
    void theCpuBuildOfOnnxRuntimeIsNamedFirst() {
        CudaRuntime.Check c = CudaRuntime.check(0, false, LINUX, loader(ALL), lib -> ONE_GPU);
        assertTrue(c.problem().startsWith("--provider cuda needs the GPU build of ONNX Runtime (com.microsoft."
                + "onnxruntime:onnxruntime_gpu)") && c.problem().contains("bin/bivdiff --provider cuda"), c.problem());
    }

    @Test
    void eachMissingLibraryIsNamed() {
        assertTrue(problem(0, Set.of(), ONE_GPU).startsWith("no NVIDIA driver: libcuda.so.1 cannot be opened"));
        assertEquals("the CUDA 12 libraries are missing: libcublasLt.so.12, libcurand.so.10 cannot be opened (install "
                        + "CUDA 12.x, e.g. the toolkit or the nvidia-*-cu12 packages, and put its lib folder on LD_LIBRARY_PATH)",
                problem(0, without("libcublasLt.so.12", "libcurand.so.10"), ONE_GPU));
        assertTrue(problem(0, without("libcudnn.so.9"), ONE_GPU).startsWith("cuDNN 9 is missing: libcudnn.so.9 cannot be"
                + " opened"));
    }

    @Test
    void anotherCudaVersionIsPointedOut() {
        Set<String> cuda13 = Set.of("libcuda.so.1", "libcudart.so.13", "libcudnn.so.9");
        String p = problem(0, cuda13, ONE_GPU);
        assertTrue(p.contains("libcudart.so.12, libcublas.so.12, libcublasLt.so.12, libcurand.so.10 cannot be opened; "
                + "libcudart.so.13 is there, but ONNX Runtime 1.29's CUDA provider is built for CUDA 12"), p);
    }

    @Test
    void driverAndDeviceProblemsAreNamed() {
        assertEquals("the NVIDIA driver supports CUDA up to 11.8, and ONNX Runtime's CUDA provider needs CUDA 12: "
                + "update the driver", problem(0, ALL, new FakeApi(11080, 1, 0, 1, 1, 0)));
        assertEquals("no CUDA GPU found (the NVIDIA driver sees none; use --provider cpu)",
                problem(0, ALL, new FakeApi(12040, 0, CudaRuntime.NO_DEVICE, 0, 0, 0)));
        assertEquals("no CUDA GPU found (the NVIDIA driver sees none; use --provider cpu)",
                problem(0, ALL, new FakeApi(12040, 0, 0, 0, 0, 0)));
        assertEquals("the NVIDIA driver is missing or too old for CUDA 12 (error text 35)",
                problem(0, ALL, new FakeApi(0, 0, CudaRuntime.INSUFFICIENT_DRIVER, 0, 0, 0)));
        assertEquals("CUDA cannot start: error text 999 (error 999)", problem(0, ALL, new FakeApi(12040, 0, 999, 0, 0, 0)));
        assertEquals("GPU 2 was asked for (device_id), but there are 2 GPUs, numbered from 0",
                problem(2, ALL, new FakeApi(12040, 2, 0, 1, 1, 0)));
        assertEquals("GPU 0 cannot be used: error text 46 (error 46)", problem(0, ALL, new FakeApi(12040, 1, 0, 0, 0, 46)));
    }

    @Test
    void windowsNamesItsLibrariesItsOwnWay() {
        CudaRuntime.Check c = CudaRuntime.check(0, true, CudaRuntime.Libraries.WINDOWS,
                loader(Set.of("nvcuda.dll", "cudart64_12.dll", "cublas64_12.dll", "cublasLt64_12.dll", "curand64_10.dll")),
                lib -> ONE_GPU);
        assertTrue(c.problem().startsWith("cuDNN 9 is missing: cudnn64_9.dll"), c.problem());
    }
}
