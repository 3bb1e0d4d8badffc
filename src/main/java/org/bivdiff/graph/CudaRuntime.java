package org.bivdiff.graph;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;

/**
 * Checks, before any session is created, that ONNX Runtime's CUDA provider can run here, and says in one
 * line what is missing when it cannot: the GPU build of ONNX Runtime, the NVIDIA driver, the CUDA 12
 * libraries, cuDNN 9, or a GPU. ONNX Runtime itself finds a missing CUDA library only when the first session
 * is created, and cuDNN only when it first needs it (it is loaded on demand, not linked), where a missing
 * library is at best a long native error and at worst a crash; here each library is opened with the
 * dynamic loader's own search ({@code LD_LIBRARY_PATH}, the loader cache, the system folders), as ONNX
 * Runtime will open it, and the GPU is asked for through the CUDA runtime.
 */
public final class CudaRuntime {

    /**
     * The libraries ONNX Runtime 1.29's CUDA provider needs on one platform (its
     * {@code libonnxruntime_providers_cuda.so} links the CUDA ones and opens cuDNN at run time).
     *
     * @param driver         the NVIDIA driver's CUDA library
     * @param cuda           the CUDA 12 libraries, the runtime first
     * @param cudnn          cuDNN 9
     * @param otherRuntimes  CUDA runtimes of other major versions, only to say which one was found instead
     */
    record Libraries(String driver, List<String> cuda, String cudnn, List<String> otherRuntimes) {

        static final Libraries LINUX = new Libraries("libcuda.so.1",
                List.of("libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12", "libcurand.so.10"),
                "libcudnn.so.9", List.of("libcudart.so.13", "libcudart.so.11.0"));
        static final Libraries WINDOWS = new Libraries("nvcuda.dll",
                List.of("cudart64_12.dll", "cublas64_12.dll", "cublasLt64_12.dll", "curand64_10.dll"),
                "cudnn64_9.dll", List.of("cudart64_13.dll", "cudart64_110.dll"));

        static Libraries forThisPlatform() {
            return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win") ? WINDOWS : LINUX;
        }

        String runtime() {
            return cuda.getFirst();
        }
    }

    /** What the CUDA runtime tells about the GPUs. Errors are CUDA error codes; 0 is success. */
    interface Api {
        /** {@code cudaDriverGetVersion}: e.g. 12040 for CUDA 12.4, 0 without a driver. */
        int driverVersion();

        /** {@code cudaGetDeviceCount}: {count, error}. */
        int[] deviceCount();

        /** {@code cudaSetDevice} then {@code cudaMemGetInfo}: {free bytes, total bytes, error}. */
        long[] memory(int device);

        /** {@code cudaGetErrorString}. */
        String describe(int error);
    }

    /** CUDA's {@code cudaErrorInsufficientDriver}. */
    static final int INSUFFICIENT_DRIVER = 35;
    /** CUDA's {@code cudaErrorNoDevice}. */
    static final int NO_DEVICE = 100;
    /** The oldest driver API the CUDA 12 runtime works with (CUDA 12.0). */
    static final int CUDA_12 = 12000;

    /**
     * A GPU the CUDA provider can use.
     *
     * @param deviceId      its index
     * @param freeBytes     memory free when checked
     * @param totalBytes    its memory
     * @param driverVersion the driver's CUDA version, e.g. 12040
     */
    public record Gpu(int deviceId, long freeBytes, long totalBytes, int driverVersion) {

        /** E.g. {@code GPU 0: 22.1 of 24.0 GB free, driver CUDA 12.4}. */
        public String describe() {
            return String.format(Locale.ROOT, "GPU %d: %.1f of %.1f GB free, driver CUDA %d.%d", deviceId,
                    freeBytes / 1e9, totalBytes / 1e9, driverVersion / 1000, driverVersion % 1000 / 10);
        }
    }

    /**
     * The outcome of a check: a GPU, or one line saying what is missing (never both).
     *
     * @param gpu     the GPU, or null
     * @param problem what is missing, or null
     */
    public record Check(Gpu gpu, String problem) {

        public boolean ready() {
            return gpu != null;
        }
    }

    private static final Map<Integer, Check> CHECKS = new ConcurrentHashMap<>();
    private static volatile Api api;

    private CudaRuntime() {
    }

    /** Checks GPU {@code deviceId} once per process (later calls return the first answer). */
    public static Check check(int deviceId) {
        return CHECKS.computeIfAbsent(deviceId, id -> check(id, OrtEnvironment.getAvailableProviders()
                .contains(OrtProvider.CUDA), Libraries.forThisPlatform(), CudaRuntime::open, CudaRuntime::api));
    }

    /** {free, total} bytes of GPU {@code deviceId} now, when a check found the CUDA runtime. */
    static Optional<long[]> memoryNow(int deviceId) {
        Api a = api;
        if (a == null) {
            return Optional.empty();
        }
        long[] m = a.memory(deviceId);
        return m[2] == 0 ? Optional.of(new long[] {m[0], m[1]}) : Optional.empty();
    }

    /**
     * The check itself, on given libraries.
     *
     * @param cudaBuild whether the ONNX Runtime on the class path has the CUDA provider
     * @param open      the dynamic loader: a library by file name, empty when it cannot be opened
     * @param runtime   the CUDA runtime's calls, from its opened library
     */
    static Check check(int deviceId, boolean cudaBuild, Libraries libs, Function<String, Optional<SymbolLookup>> open,
                       Function<SymbolLookup, Api> runtime) {
        if (!cudaBuild) {
            return problem("--provider cuda needs the GPU build of ONNX Runtime (com.microsoft.onnxruntime:"
                    + "onnxruntime_gpu), but the class path has the CPU one: run bin/bivdiff --provider cuda, which "
                    + "builds and runs target/cuda (mvn -Pcuda), or depend on onnxruntime_gpu instead of onnxruntime");
        }
        if (open.apply(libs.driver()).isEmpty()) {
            return problem("no NVIDIA driver: " + libs.driver() + " cannot be opened (a CUDA GPU and its driver are "
                    + "needed for --provider cuda; use --provider cpu)");
        }
        List<String> missing = new ArrayList<>();
        SymbolLookup cudart = null;
        for (String lib : libs.cuda()) {
            Optional<SymbolLookup> l = open.apply(lib);
            if (l.isEmpty()) {
                missing.add(lib);
            } else if (lib.equals(libs.runtime())) {
                cudart = l.get();
            }
        }
        if (!missing.isEmpty()) {
            String other = libs.otherRuntimes().stream().filter(n -> open.apply(n).isPresent()).findFirst()
                    .map(n -> "; " + n + " is there, but ONNX Runtime 1.29's CUDA provider is built for CUDA 12")
                    .orElse("");
            return problem("the CUDA 12 libraries are missing: " + String.join(", ", missing) + " cannot be opened"
                    + other + " (install CUDA 12.x, e.g. the toolkit or the nvidia-*-cu12 packages, and put its lib "
                    + "folder on LD_LIBRARY_PATH)");
        }
        if (open.apply(libs.cudnn()).isEmpty()) {
            return problem("cuDNN 9 is missing: " + libs.cudnn() + " cannot be opened (install cuDNN 9 for CUDA 12 "
                    + "and put its lib folder on LD_LIBRARY_PATH)");
        }
        return devices(deviceId, runtime.apply(cudart));
    }

    private static Check devices(int deviceId, Api a) {
        int driver = a.driverVersion();
        if (driver > 0 && driver < CUDA_12) {
            return problem(String.format(Locale.ROOT, "the NVIDIA driver supports CUDA up to %d.%d, and ONNX Runtime's"
                    + " CUDA provider needs CUDA 12: update the driver", driver / 1000, driver % 1000 / 10));
        }
        int[] count = a.deviceCount();
        if (count[1] == NO_DEVICE || count[1] == 0 && count[0] == 0) {
            return problem("no CUDA GPU found (the NVIDIA driver sees none; use --provider cpu)");
        }
        if (count[1] == INSUFFICIENT_DRIVER) {
            return problem("the NVIDIA driver is missing or too old for CUDA 12 (" + a.describe(count[1]) + ")");
        }
        if (count[1] != 0) {
            return problem("CUDA cannot start: " + a.describe(count[1]) + " (error " + count[1] + ")");
        }
        if (deviceId >= count[0]) {
            return problem("GPU " + deviceId + " was asked for (device_id), but there " + (count[0] == 1 ? "is 1 GPU"
                    : "are " + count[0] + " GPUs") + ", numbered from 0");
        }
        long[] m = a.memory(deviceId);
        if (m[2] != 0) {
            return problem("GPU " + deviceId + " cannot be used: " + a.describe((int) m[2]) + " (error " + m[2] + ")");
        }
        return new Check(new Gpu(deviceId, m[0], m[1], driver), null);
    }

    private static Check problem(String line) {
        return new Check(null, line);
    }

    private static Optional<SymbolLookup> open(String library) {
        try {
            return Optional.of(SymbolLookup.libraryLookup(library, Arena.global()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The CUDA runtime's calls on {@code cudart}, kept for {@link #memoryNow}. */
    private static Api api(SymbolLookup cudart) {
        Api a = new CudartCalls(cudart);
        api = a;
        return a;
    }
}
