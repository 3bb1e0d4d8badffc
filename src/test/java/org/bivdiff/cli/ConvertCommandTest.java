package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.io.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bivdiff convert}: output lines, exit codes, and user errors without stack traces. */
class ConvertCommandTest {

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome run(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void convertsAFolderIntoOut(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("dpt"));
        Files.copy(Fixtures.root().resolve("models/tiny-dpt-hybrid/dpt_hybrid-midas-tiny.pt"), src.resolve("dpt_hybrid-midas-tiny.pt"));
        Files.copy(Fixtures.root().resolve("models/tiny-dpt-hybrid/config.json"), src.resolve("config.json"));
        Outcome o = run("convert", src.toString(), "--out", dir.resolve("out").toString());
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("converted " + src.resolve("dpt_hybrid-midas-tiny.pt")) && o.out().contains("(140 tensors"),
                o.out());
        assertTrue(o.out().contains("1 checkpoint(s) converted, 1 other file(s) copied into"), o.out());
        assertTrue(Files.exists(dir.resolve("out/config.json")));
        try (Checkpoint a = Checkpoint.openFile(src.resolve("dpt_hybrid-midas-tiny.pt"));
             Checkpoint b = Checkpoint.openFile(dir.resolve("out/dpt_hybrid-midas-tiny.safetensors"))) {
            assertEquals(a.names(), b.names());
            assertArrayEquals(a.readFloats("pretrained.model.pos_embed"), b.readFloats("pretrained.model.pos_embed"));
        }
        Outcome again = run("convert", src.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(Files.exists(src.resolve("dpt_hybrid-midas-tiny.safetensors")), "without --out: next to the pickle");
    }

    @Test
    void userErrors(@TempDir Path dir) throws Exception {
        Outcome o = run("convert");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("convert needs a folder or file"), o.err());
        o = run("convert", dir.toString(), "--bogus", "1");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("unknown option --bogus"), o.err());
        Files.copy(Fixtures.root().resolve("models/torch-pickles/hostile_builtins_eval.pt"), dir.resolve("x.pt"));
        o = run("convert", dir.resolve("x.pt").toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("builtins.eval") && !o.err().contains("\tat "), o.err());
        o = run("convert", dir.resolve("empty").toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("no such file or folder"), o.err());
    }
}
