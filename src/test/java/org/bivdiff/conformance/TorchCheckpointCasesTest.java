package org.bivdiff.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.SafeTensorsWriter;
import org.bivdiff.io.TorchWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The torch_checkpoints runner fails where the reader or the files disagree with the case. */
class TorchCheckpointCasesTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(1));
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    /** A copy of the fixture set's case (and its files) with {@code edit} applied to the JSON. */
    private CaseResult runEdited(Consumer<ObjectNode> edit, Consumer<Path> editFiles) throws IOException {
        Path fixtures = Fixtures.root();
        Files.createDirectories(root.resolve("cases"));
        ObjectNode json = (ObjectNode) JSON.readTree(fixtures.resolve("cases/torch_checkpoints.json").toFile());
        edit.accept(json);
        JSON.writeValue(root.resolve("cases/torch_checkpoints.json").toFile(), json);
        Files.copy(fixtures.resolve("cases/" + json.path("file").asText()), root.resolve("cases/" + json.path("file").asText()),
                StandardCopyOption.REPLACE_EXISTING);
        Path files = root.resolve(json.path("files_dir").asText());
        Files.createDirectories(files);
        try (Stream<Path> s = Files.list(fixtures.resolve(json.path("files_dir").asText()))) {
            for (Path p : s.toList()) {
                Files.copy(p, files.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        editFiles.accept(files);
        return Conformance.run(root, "torch_checkpoints", ENGINE);
    }

    @Test
    void unchangedCopyPasses() throws IOException {
        assertEquals(CaseResult.Status.PASS, runEdited(j -> { }, f -> { }).status());
    }

    @Test
    void aHostileFileThatOpensFails() throws IOException {
        CaseResult r = runEdited(j -> { }, files -> {
            try {
                Path hostile = files.resolve("hostile_os_system.pt");
                Files.delete(hostile);
                TorchWriter.write(hostile, List.of(SafeTensorsWriter.Entry.f32("w", new long[] {1}, new float[] {1})));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(CaseResult.Status.FAIL, r.status());
        assertTrue(r.message().contains("hostile_os_system.pt: should be refused"), r.message());
    }

    @Test
    void aRefusalThatDoesNotNameTheGlobalFails() throws IOException {
        CaseResult r = runEdited(j -> ((com.fasterxml.jackson.databind.node.ArrayNode) j.path("hand_crafted")
                .path("hostile_builtins_eval.pt").path("pickle_globals")).add("posix.execv"), f -> { });
        assertEquals(CaseResult.Status.FAIL, r.status());
        assertTrue(r.message().contains("does not name the disallowed global posix.execv"), r.message());
    }

    @Test
    void wrongMetadataFails() throws IOException {
        CaseResult r = runEdited(j -> ((ObjectNode) j.path("files").path("diffusers_state_dict.bin").path("tensors")
                .path("conv_in.bias")).put("dtype", "float16"), f -> { });
        assertEquals(CaseResult.Status.FAIL, r.status());
        assertTrue(r.message().contains("'conv_in.bias' is F32, expected F16"), r.message());
        r = runEdited(j -> ((ObjectNode) j.path("files").path("diffusers_state_dict.bin").path("tensors")
                .path("pos_bias")).put("contiguous", true), f -> { });
        assertTrue(r.message().contains("'pos_bias' is InMemory[48 bytes] but contiguous"), r.message());
    }
}
