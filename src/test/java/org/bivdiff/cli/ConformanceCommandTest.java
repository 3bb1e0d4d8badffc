package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.io.SafeTensorsFile;
import org.bivdiff.io.SafeTensorsWriter;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bivdiff conformance}: report lines, the closing count and the exit code. */
class ConformanceCommandTest {

    private record Outcome(int code, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    private static Outcome run(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void passingCasePrintsPassAndTheCount() {
        Outcome o = run("conformance", "--fixtures", Fixtures.root().toString(), "--case", "vae_sd15", "--threads", "1",
                "--precision", "auto");
        assertEquals(0, o.code(), o.out() + o.err());
        // auto is float32 here, whatever the provider: the golden tolerances are float32 ones
        assertEquals("engine: CPU (ONNX Runtime 1.29.0, CPU build); float32 graphs, the golden float32 tolerances",
                o.lines().get(1));
        assertTrue(o.lines().stream().anyMatch(l -> l.startsWith("PASS vae_sd15") && l.contains("worst")), o.out());
        assertEquals("1 passed, 0 failed, 0 skipped", o.lines().getLast());
    }

    @Test
    void perturbedGoldenValueFailsWithExitCodeOne(@TempDir Path dir) throws Exception {
        Outcome o = run("conformance", "--fixtures", perturbedVae(dir).toString(), "--threads", "1");
        assertEquals(1, o.code(), o.out() + o.err());
        String line = o.lines().stream().filter(l -> l.startsWith("FAIL vae_sd15")).findFirst().orElseThrow();
        assertTrue(line.contains("decoded_z"), line);
        assertEquals("0 passed, 1 failed, 0 skipped", o.lines().getLast());
    }

    /** The tolerance at the end of a case's line, e.g. {@code (atol 2.0e-05 + rtol 1.0e-04)}. */
    private static String tolerance(Outcome o, String name) {
        String line = o.lines().stream().filter(l -> l.startsWith("PASS " + name)).findFirst().orElseThrow();
        return line.substring(line.lastIndexOf('('));
    }

    /** A fixture set in {@code dir} with only vae_sd15, whose golden decoded_z is off by 0.5 at one element. */
    private static Path perturbedVae(Path dir) throws Exception {
        Path cases = Files.createDirectories(dir.resolve("cases"));
        Files.createSymbolicLink(dir.resolve("models"), Fixtures.root().resolve("models"));
        Files.copy(Fixtures.root().resolve("cases/vae_sd15.json"), cases.resolve("vae_sd15.json"));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(Fixtures.root().resolve("cases/vae_sd15.safetensors"))) {
            for (String n : f.names()) {
                tensors.put(n, f.readTensor(n));
            }
        }
        tensors.get("decoded_z").data()[5] += 0.5f;
        SafeTensorsWriter.write(cases.resolve("vae_sd15.safetensors"), tensors, Map.of());
        return dir;
    }

    @Test
    void caseWithoutRunnerIsSkipped(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("cases"));
        Files.writeString(dir.resolve("cases/future_model.json"), "{\"case\": \"future_model\"}");
        Outcome o = run("conformance", "--fixtures", dir.toString());
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("SKIP future_model") && o.out().contains("not implemented yet"), o.out());
        assertEquals("0 passed, 0 failed, 1 skipped", o.lines().getLast());
    }

    @Test
    void unknownCaseAndOptionAreUsageErrors() {
        Outcome unknownCase = run("conformance", "--case", "no_such_case");
        assertEquals(2, unknownCase.code());
        assertTrue(unknownCase.err().contains("no case 'no_such_case'"), unknownCase.err());
        Outcome unknownOption = run("conformance", "--colour");
        assertEquals(2, unknownOption.code());
        assertTrue(unknownOption.err().contains("--colour"), unknownOption.err());
        assertEquals(2, run("frobnicate").code());
    }

    @Test
    void halfPrecisionPassRunsFloat16GraphsAndStillFailsAWrongValue(@TempDir Path dir) throws Exception {
        Outcome o = run("conformance", "--fixtures", Fixtures.root().toString(), "--case", "vae_sd15", "ddim",
                "--precision", "fp16", "--threads", "1");
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.lines().get(1).startsWith("engine: CPU (ONNX Runtime 1.29.0, CPU build); float16 graphs, tolerances "
                + "of the cases that run networks: atol x 2^13"), o.out());
        assertTrue(o.out().contains("PASS vae_sd15") && o.out().contains("PASS ddim"), o.out());
        assertEquals("2 passed, 0 failed, 0 skipped", o.lines().getLast());
        // The scheduler case runs no network: the same tolerance in both passes
        Outcome float32 = run("conformance", "--fixtures", Fixtures.root().toString(), "--case", "ddim");
        assertEquals(tolerance(float32, "ddim"), tolerance(o, "ddim"));
        // decoded_z off by 0.5 at one element is outside float16's tolerance too (2^13 x 3e-5 = 0.25)
        Outcome wrong = run("conformance", "--fixtures", perturbedVae(dir).toString(), "--precision", "fp16",
                "--threads", "1");
        assertEquals(1, wrong.code(), wrong.out() + wrong.err());
        assertTrue(wrong.out().contains("FAIL vae_sd15") && wrong.out().contains("decoded_z"), wrong.out());
    }

    @Test
    void missingFixtureFolderIsExplained(@TempDir Path dir) {
        Outcome o = run("conformance", "--fixtures", dir.resolve("nowhere").toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("no fixture set") && o.err().contains(Fixtures.ENV), o.err());
    }
}
