package org.bivdiff.models.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Missing and malformed tokenizer files fail with a {@link TokenizerFileException} naming the file. */
class TokenizerFilesTest {

    @TempDir
    Path dir;

    /** A copy of the SD 1.x fixture tokenizer folder in {@link #dir}. */
    private Path copyOfFixtureFolder() throws IOException {
        Path source = TokenizerTestFolders.folderFor("input_ids");
        for (String name : List.of(TokenizerFiles.VOCAB, TokenizerFiles.MERGES, TokenizerFiles.CONFIG,
                TokenizerFiles.SPECIAL_TOKENS_MAP)) {
            Files.copy(source.resolve(name), dir.resolve(name));
        }
        return dir;
    }

    private TokenizerFileException loadFails(Path folder, String file, String problem) {
        TokenizerFileException e = assertThrows(TokenizerFileException.class, () -> ClipTokenizer.load(folder));
        assertEquals(file, e.file().getFileName().toString(), e.getMessage());
        assertTrue(e.getMessage().contains(file), e.getMessage());
        assertTrue(e.getMessage().contains(problem), "message '" + e.getMessage() + "' should say '" + problem + "'");
        return e;
    }

    @Test
    void copiedFolderLoads() throws IOException {
        ClipTokenizer t = ClipTokenizer.load(copyOfFixtureFolder());
        assertEquals(77, t.maxLength());
        assertEquals(49407, t.padTokenId());
    }

    @Test
    void missingVocab() throws IOException {
        Files.delete(copyOfFixtureFolder().resolve("vocab.json"));
        loadFails(dir, "vocab.json", "missing");
    }

    @Test
    void vocabThatIsNotJson() throws IOException {
        Files.writeString(copyOfFixtureFolder().resolve("vocab.json"), "{\"a\": 1, \"b\": ");
        loadFails(dir, "vocab.json", "invalid JSON");
    }

    @Test
    void vocabThatIsNotAStringToIntMap() throws IOException {
        Files.writeString(copyOfFixtureFolder().resolve("vocab.json"), "{\"a</w>\": 320, \"b</w>\": \"x\"}");
        loadFails(dir, "vocab.json", "token 'b</w>'");
        Files.writeString(dir.resolve("vocab.json"), "[1, 2, 3]");
        loadFails(dir, "vocab.json", "JSON object");
    }

    @Test
    void vocabThatIsNotUtf8() throws IOException {
        Files.write(copyOfFixtureFolder().resolve("vocab.json"), new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
        loadFails(dir, "vocab.json", "UTF-8");
    }

    @Test
    void missingMerges() throws IOException {
        Files.delete(copyOfFixtureFolder().resolve("merges.txt"));
        loadFails(dir, "merges.txt", "missing");
    }

    @Test
    void malformedMergesLine() throws IOException {
        Files.writeString(copyOfFixtureFolder().resolve("merges.txt"), "#version: 0.2\ni n\nt h e\nh e\n",
                StandardCharsets.UTF_8);
        loadFails(dir, "merges.txt", "line 3");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\ni n\n\nh e\n", StandardCharsets.UTF_8);
        loadFails(dir, "merges.txt", "line 3");
    }

    @Test
    void mergesWithoutVersionHeader() throws IOException {
        Files.writeString(copyOfFixtureFolder().resolve("merges.txt"), "i n\nt h\n", StandardCharsets.UTF_8);
        loadFails(dir, "merges.txt", "#version");
    }

    @Test
    void padTokenNotInVocab() throws IOException {
        Files.writeString(copyOfFixtureFolder().resolve("special_tokens_map.json"),
                "{\"pad_token\": {\"content\": \"<pad>\"}}");
        TokenizerFileException e = loadFails(dir, "vocab.json", "'<pad>' is not in the vocabulary");
        assertTrue(e.getMessage().contains("special_tokens_map.json"), e.getMessage());
    }

    @Test
    void corruptSpecialTokensMap() throws IOException {
        Files.writeString(copyOfFixtureFolder().resolve("special_tokens_map.json"), "{\"pad_token\": 5}");
        loadFails(dir, "special_tokens_map.json", "pad_token");
        Files.writeString(dir.resolve("special_tokens_map.json"), "not json");
        loadFails(dir, "special_tokens_map.json", "invalid JSON");
    }

    @Test
    void badModelMaxLength() throws IOException {
        Files.writeString(copyOfFixtureFolder().resolve("tokenizer_config.json"), "{\"model_max_length\": \"long\"}");
        loadFails(dir, "tokenizer_config.json", "model_max_length");
    }

    @Test
    void optionalFilesFallBackToDefaultsAndMaxLengthIsHonoured() throws IOException {
        copyOfFixtureFolder();
        Files.delete(dir.resolve("special_tokens_map.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 8, \"pad_token\": \"!\"}");
        ClipTokenizer t = ClipTokenizer.load(dir);
        assertEquals(8, t.maxLength());
        assertEquals(0, t.padTokenId());
        assertEquals(49406, t.bosTokenId());
        ClipTokenizer.Encoding enc = t.encode("dog dog dog dog dog dog dog");
        assertEquals(8, enc.inputIds().length);
        assertEquals(1, enc.truncatedTokens());
        assertEquals(49407, enc.inputIds()[7]);
    }
}
