package org.bivdiff.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import org.bivdiff.graph.Engine;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture set with every file replaced by a link into a folder of blobs named by their sha256, as
 * the Hugging Face cache lays a snapshot out ({@code snapshots/<commit>/x -> ../../blobs/<sha256>},
 * identical files sharing one blob): a representative case of each kind of model passes conformance
 * from it, through the same {@link Conformance} engine.
 */
class SymlinkedFixturesTest {

    /**
     * Tokenizer files, a transformers text encoder, each diffusers model family, plain tensors. (Whole
     * pipeline folders from cache links run in {@code ModelsCommandTest}.)
     */
    private static final List<String> CASES = List.of("tokenizer", "text_encoder_sd15", "vae_sd15", "unet2d_sd15",
            "controlnet_sd15", "t2i_adapter_sd15", "unet3d", "canny");
    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));

    @TempDir
    static Path dir;

    @TestFactory
    Stream<DynamicTest> casesPassFromALinkedCopyOfTheFixtureSet() throws IOException {
        Path snapshot = linkedMirror(Fixtures.root(), dir.resolve("blobs"), dir.resolve("snapshots/fixtures"));
        try (Stream<Path> s = Files.walk(snapshot)) {
            assertTrue(s.filter(p -> !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .allMatch(Files::isSymbolicLink), "every file of the mirror is a link");
        }
        return CASES.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            CaseResult r = Conformance.run(snapshot, name, ENGINE);
            assertEquals(CaseResult.Status.PASS, r.status(), r.line());
        }));
    }

    /** {@code mirror} with {@code source}'s tree, each file a relative link to its content in {@code blobs}. */
    private static Path linkedMirror(Path source, Path blobs, Path mirror) throws IOException {
        Files.createDirectories(blobs);
        try (Stream<Path> s = Files.walk(source)) {
            for (Path file : s.filter(Files::isRegularFile).toList()) {
                Path blob = blobs.resolve(sha256(file));
                if (!Files.exists(blob)) {
                    Files.copy(file, blob);
                }
                Path link = mirror.resolve(source.relativize(file).toString());
                Files.createDirectories(link.getParent());
                Files.createSymbolicLink(link, link.getParent().relativize(blob));
            }
        }
        return mirror;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
