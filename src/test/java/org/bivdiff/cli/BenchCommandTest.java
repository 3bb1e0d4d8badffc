package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bivdiff bench --preset tiny}: it runs and its numbers are sane. Not a timed test: nothing
 * here depends on how fast the machine is.
 */
class BenchCommandTest {

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp16"})
    void tinyPresetReportsSaneNumbers(String precision, @TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"bench", "--preset", "tiny", "--runs", "2", "--probe-size", "512",
                "--precision", precision, "--cache", dir.resolve("cache").toString(), "--json", json.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text + err.toString(StandardCharsets.UTF_8));

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertTrue(root.at("/machine/peak_gflops_before").asDouble() > 0, root.toString());
        assertTrue(root.at("/machine/peak_gflops_after").asDouble() > 0, root.toString());
        assertEquals(precision, root.at("/machine/precision").asText());
        List<String> networks = root.path("results").findValuesAsText("network");
        assertEquals(List.of("unet2d", "controlnet", "vae-encode", "vae-decode", "text_encoder", "t2i-adapter"),
                networks);
        for (JsonNode r : root.path("results")) {
            String what = r.path("network").asText() + " " + r.path("shape").asText();
            assertTrue(r.path("load_s").asDouble() > 0, what);
            assertTrue(r.path("median_s").asDouble() > 0, what);
            assertEquals(2, r.path("times_s").size(), what);
            assertTrue(r.path("flops").asLong() > 0, what);
            // a ratio of two timings: how far above 1 it goes depends on what else the machine runs meanwhile
            double fraction = r.path("fraction_of_peak").asDouble();
            assertTrue(fraction > 0 && Double.isFinite(fraction), what + ": fraction of peak " + fraction);
            assertTrue(text.contains(r.path("network").asText()), text);
        }
        assertTrue(text.lines().anyMatch(l -> l.startsWith("GEMM probe")), text);
        assertTrue(root.at("/machine/other_processes_cpu/cpuSeconds").asDouble(-1) >= 0, root.toString());
        assertTrue(text.lines().anyMatch(l -> l.startsWith("other processes: ")), text);
    }

    @Test
    void helpPrintsTheUsageAndThePresets() {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"bench", "--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text + err.toString(StandardCharsets.UTF_8));
        assertTrue(text.startsWith("Usage: bivdiff bench [OPTIONS]"), text);
        assertTrue(text.contains("--preset=NAME") && text.contains("unet2d, controlnet,") && text.contains("e2e"), text);
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource({"--precision,fp8,unknown precision 'fp8'", "--weights,bf16,--weights takes f32, f16 or bin, got 'bf16'"})
    void badPrecisionOrWeightsIsAUsageError(String flag, String value, String message) {
        var err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"bench", "--preset", "tiny", flag, value},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(message), err.toString());
    }

    @Test
    void unknownPresetIsAUsageError() {
        var err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"bench", "--preset", "no-such"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no preset 'no-such'"), err.toString());
    }
}
