package org.bivdiff.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ai.onnxruntime.OrtException;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;

/**
 * ONNX Runtime's CUDA errors in one line each. Its messages carry a source path, a line number and the
 * failing CUDA expression; what the user needs is what ran out or is missing and what to change:
 * <ul>
 *   <li>out of GPU memory (the arena's {@code Failed to allocate memory for requested buffer}, CUDA's
 *       {@code out of memory}, cuBLAS / cuDNN {@code ALLOC_FAILED}): {@link OutOfDeviceMemoryException}
 *       with the call's input shapes and the memory free now;</li>
 *   <li>a library the provider could not open ({@code cannot open shared object file});</li>
 *   <li>a GPU the build has no kernels for ({@code no kernel image is available}).</li>
 * </ul>
 * Anything else keeps the first line of ONNX Runtime's message.
 */
final class CudaFailures {

    private static final Pattern MISSING_LIBRARY = Pattern.compile("(\\S+): cannot open shared object file");

    private CudaFailures() {
    }

    /** A session of graph {@code graph} could not be created on GPU {@code device}. */
    static EngineException session(String graph, int device, OrtException e) {
        String m = String.valueOf(e.getMessage());
        if (outOfMemory(m)) {
            return new OutOfDeviceMemoryException("GPU " + device + " ran out of memory loading graph '" + graph + "'"
                    + freeNow(device) + ": close other GPU programs, or set gpu_mem_limit lower for other processes; "
                    + "--precision fp16 halves the weights", e);
        }
        return new EngineException(common(m, device).orElse("ONNX Runtime's CUDA provider could not load graph '"
                + graph + "': " + firstLine(m)), e);
    }

    /** A call of graph {@code graph} on {@code inputs} failed on GPU {@code device}. */
    static EngineException run(String graph, Map<String, ?> inputs, int device, OrtException e) {
        String m = String.valueOf(e.getMessage());
        if (outOfMemory(m)) {
            return new OutOfDeviceMemoryException("GPU " + device + " ran out of memory running graph '" + graph
                    + "' on " + shapes(inputs) + freeNow(device) + ": lower --max-batch (rows per UNet call), use "
                    + "--precision fp16, or free the GPU", e);
        }
        return new EngineException(common(m, device).orElse("running graph '" + graph + "' on GPU " + device
                + " failed: " + firstLine(m)), e);
    }

    static boolean outOfMemory(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("out of memory") || m.contains("failed to allocate memory") || m.contains("alloc_failed");
    }

    private static Optional<String> common(String m, int device) {
        Matcher lib = MISSING_LIBRARY.matcher(m);
        if (lib.find()) {
            return Optional.of("ONNX Runtime's CUDA provider cannot open " + lib.group(1) + " (install it and"
                    + " put its folder on LD_LIBRARY_PATH)");
        }
        if (m.contains("no kernel image is available")) {
            return Optional.of("GPU " + device + " is not one ONNX Runtime's CUDA build has kernels for (no "
                    + "kernel image for its architecture); use --provider cpu");
        }
        return Optional.empty();
    }

    private static String freeNow(int device) {
        return CudaRuntime.memoryNow(device).map(f -> String.format(Locale.ROOT, " (%.1f of %.1f GB free now)",
                f[0] / 1e9, f[1] / 1e9)).orElse("");
    }

    private static String shapes(Map<String, ?> inputs) {
        List<String> s = new ArrayList<>();
        for (Map.Entry<String, ?> e : inputs.entrySet()) {
            if (e.getValue() instanceof Tensor t) {
                s.add(e.getKey() + " " + Arrays.toString(t.shape()));
            } else if (e.getValue() instanceof LongTensor t) {
                s.add(e.getKey() + " " + Arrays.toString(t.shape()));
            }
        }
        return String.join(", ", s);
    }

    /** The first line of ONNX Runtime's message, without the Java binding's {@code Error code - X - message:}. */
    private static String firstLine(String m) {
        String s = m.replaceFirst("^Error code - \\S+ - message: ", "");
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
