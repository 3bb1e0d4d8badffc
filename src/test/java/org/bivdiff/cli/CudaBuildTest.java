package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.graph.CudaRuntime;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What both builds must do with {@code --provider cuda}; run by {@code mvn test} (CPU build) and by
 * {@code mvn -Pcuda test} (CUDA build), which tells the tests which one it is through the
 * {@code bivdiff.build} property. Without a usable GPU the command fails with the one line
 * {@link CudaRuntime#check} gives, and that line names the GPU build only where it is missing; with one, the
 * case runs on it and passes.
 */
@Tag("cuda-build")
class CudaBuildTest {

    private static final boolean CUDA_BUILD = "cuda".equals(System.getProperty("bivdiff.build", "cpu"));

    @Test
    void theClassPathHoldsTheOnnxRuntimeTheBuildChose() {
        assertEquals(CUDA_BUILD, OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
                "bivdiff.build=" + System.getProperty("bivdiff.build") + ", providers "
                        + OrtEnvironment.getAvailableProviders());
    }

    @Test
    void providerCudaRunsOnTheGpuOrSaysInOneLineWhatIsMissing() {
        CudaRuntime.Check check = CudaRuntime.check(0);
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"conformance", "--fixtures", Fixtures.root().toString(), "--case", "unet2d_sd15",
                "--provider", "cuda"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String o = out.toString(StandardCharsets.UTF_8);
        String e = err.toString(StandardCharsets.UTF_8);
        if (check.ready()) {
            assertEquals(0, code, o + e);
            assertTrue(o.contains("engine: CUDA, GPU 0") && o.contains("PASS unet2d_sd15"), o);
        } else {
            assertEquals(1, code, o + e);
            assertEquals("bivdiff conformance: " + check.problem() + System.lineSeparator(), e);
            assertEquals(!CUDA_BUILD, check.problem().startsWith("--provider cuda needs the GPU build of ONNX Runtime"),
                    check.problem());
        }
    }

    @Test
    void benchOnCudaChecksTheGpuBeforeWritingModels(@TempDir Path dir) throws Exception {
        CudaRuntime.Check check = CudaRuntime.check(0);
        Path cache = dir.resolve("cache");
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"bench", "--provider", "cuda", "--preset", "tiny", "--runs", "1", "--cache",
                cache.toString(), "--cuda-options", "cudnn_conv_algo_search=HEURISTIC"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String e = err.toString(StandardCharsets.UTF_8);
        if (check.ready()) {
            assertEquals(0, code, out + e);
            assertTrue(e.startsWith("bench: " + "GPU 0"), e);
        } else {
            assertEquals(1, code, out + e);
            assertEquals("bivdiff bench: " + check.problem() + System.lineSeparator(), e);
            assertFalse(Files.exists(cache), "models were written before the GPU was checked");
        }
    }
}
