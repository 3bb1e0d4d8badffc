package org.bivdiff.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.LinkedHashMap;
import java.util.Map;

import ai.onnxruntime.OrtException;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** ONNX Runtime's CUDA errors, as its sources word them, become one line saying what ran out or is missing. */
class CudaFailuresTest {

    private static final Map<String, Object> INPUTS = new LinkedHashMap<>();

    static {
        INPUTS.put("sample", Tensor.zeros(16, 4, 64, 64));
        INPUTS.put("timestep", new LongTensor(new int[] {1}, new long[] {981}));
    }

    private static OrtException ort(String message) {
        return new OrtException(OrtException.OrtErrorCode.ORT_RUNTIME_EXCEPTION, message);
    }

    @Test
    void runningOutOfMemoryNamesTheCallAndWhatToLower() {
        String arena = "Non-zero status code returned while running Conv node. Name:'/down_blocks.0/resnets.0/conv1/Conv'"
                + " Status Message: /onnxruntime_src/onnxruntime/core/framework/bfc_arena.cc:376 void* onnxruntime::"
                + "BFCArena::AllocateRawInternal(size_t, bool, onnxruntime::Stream*, bool, onnxruntime::WaitNotificationFn)"
                + " Failed to allocate memory for requested buffer of size 5368709120\n";
        String cuda = "CUDA failure 2: out of memory ; GPU=0 ; hostname=h ; file=/onnxruntime_src/onnxruntime/core/"
                + "providers/cuda/cuda_allocator.cc ; line=47 ; expr=cudaMalloc((void**)&p, size);";
        String cudnn = "CUDNN failure 4: CUDNN_STATUS_ALLOC_FAILED ; GPU=0 ; hostname=h ; file=conv.cc ; line=1 ; expr=x;";
        for (String m : new String[] {arena, cuda, cudnn}) {
            EngineException e = CudaFailures.run("unet", INPUTS, 0, ort(m));
            assertInstanceOf(OutOfDeviceMemoryException.class, e);
            assertEquals("GPU 0 ran out of memory running graph 'unet' on sample [16, 4, 64, 64], timestep [1]: lower "
                    + "--max-batch (rows per UNet call), use --precision fp16, or free the GPU", e.getMessage());
        }
        EngineException load = CudaFailures.session("unet", 1, ort(cuda));
        assertInstanceOf(OutOfDeviceMemoryException.class, load);
        assertEquals("GPU 1 ran out of memory loading graph 'unet': close other GPU programs, or set gpu_mem_limit lower"
                + " for other processes; --precision fp16 halves the weights", load.getMessage());
    }

    @Test
    void aLibraryTheProviderCannotOpenIsNamed() {
        String m = "/onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1988 onnxruntime::Provider& "
                + "onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library "
                + "/tmp/onnxruntime-java1/libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open "
                + "shared object file: No such file or directory";
        assertEquals("ONNX Runtime's CUDA provider cannot open libcublasLt.so.12 (install it and put its folder on "
                + "LD_LIBRARY_PATH)", CudaFailures.session("unet", 0, ort(m)).getMessage());
    }

    @Test
    void aGpuWithoutKernelsAndOtherFailuresKeepOneLine() {
        String arch = "CUDA failure 209: no kernel image is available for execution on the device ; GPU=0 ; hostname=h";
        assertEquals("GPU 0 is not one ONNX Runtime's CUDA build has kernels for (no kernel image for its architecture); "
                + "use --provider cpu", CudaFailures.run("vae", INPUTS, 0, ort(arch)).getMessage());
        assertEquals("running graph 'vae' on GPU 0 failed: Non-zero status code returned while running Add node.",
                CudaFailures.run("vae", INPUTS, 0, ort("Non-zero status code returned while running Add node.\n"
                        + "Stack:\n  frame 1")).getMessage());
        assertEquals("ONNX Runtime's CUDA provider could not load graph 'vae': Type Error: bad graph",
                CudaFailures.session("vae", 0, ort("Type Error: bad graph")).getMessage());
    }
}
