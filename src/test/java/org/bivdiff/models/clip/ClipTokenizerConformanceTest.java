package org.bivdiff.models.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bivdiff.conformance.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tier 2: {@link ClipTokenizer} against transformers' slow CLIPTokenizer, {@code cases/tokenizer.json}. Exact. */
class ClipTokenizerConformanceTest {

    private static JsonNode testCase;
    /** Tokenizer per id field of the case ({@code input_ids}, {@code input_ids_pad_bang}, {@code input_ids_no_ftfy}). */
    private static final Map<String, ClipTokenizer> BY_FIELD = new LinkedHashMap<>();

    @BeforeAll
    static void load() throws IOException {
        Path file = Fixtures.root().resolve("cases/tokenizer.json");
        testCase = new ObjectMapper().readTree(file.toFile());
        JsonNode folders = testCase.get("tokenizer_folders");
        assertTrue(folders != null && folders.isObject(), file + ": no tokenizer_folders");
        for (var it = folders.fields(); it.hasNext(); ) {
            var e = it.next();
            // "models/tiny-sd15/tokenizer  (pad_token ...)": the folder is the text before the first whitespace.
            Path folder = Fixtures.root().resolve(e.getValue().asText().strip().split("\\s+")[0]);
            Normalization norm = e.getKey().endsWith("_no_ftfy") ? Normalization.BASIC : Normalization.FTFY;
            BY_FIELD.put(e.getKey(), ClipTokenizer.load(folder, norm));
        }
        assertTrue(BY_FIELD.containsKey("input_ids"), "tokenizer_folders has no input_ids entry");
    }

    @Test
    void everyPromptMatchesEveryIdField() {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (JsonNode prompt : testCase.get("prompts")) {
            String text = prompt.get("text").asText();
            for (Map.Entry<String, ClipTokenizer> e : BY_FIELD.entrySet()) {
                JsonNode expected = prompt.get(e.getKey());
                if (expected == null) {
                    continue;
                }
                int[] actual = e.getValue().encode(text).inputIds();
                String diff = firstDifference(toIntArray(expected), actual);
                if (diff != null) {
                    failures.add(describe(prompt, text) + " " + e.getKey() + ": " + diff);
                }
                checked++;
            }
        }
        assertTrue(checked > 0, "no prompts checked");
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + checked + " id sequences differ:\n" + String.join("\n", failures));
        }
    }

    @Test
    void bpeTokensAndTruncationMatch() {
        ClipTokenizer tokenizer = BY_FIELD.get(testCase.get("primary_field").asText());
        List<String> failures = new ArrayList<>();
        for (JsonNode prompt : testCase.get("prompts")) {
            String text = prompt.get("text").asText();
            ClipTokenizer.Encoding enc = tokenizer.encode(text);
            if (prompt.has("bpe_tokens")) {
                List<String> expected = new ArrayList<>();
                prompt.get("bpe_tokens").forEach(t -> expected.add(t.asText()));
                if (!expected.equals(enc.bpeTokens())) {
                    failures.add(describe(prompt, text) + " bpe_tokens: expected " + expected + " got " + enc.bpeTokens());
                }
            }
            if (prompt.has("n_tokens_untruncated") && prompt.get("n_tokens_untruncated").asInt() != enc.untruncatedLength()) {
                failures.add(describe(prompt, text) + " n_tokens_untruncated: expected "
                        + prompt.get("n_tokens_untruncated").asInt() + " got " + enc.untruncatedLength());
            }
            if (prompt.has("truncated") && prompt.get("truncated").asBoolean() != enc.truncated()) {
                failures.add(describe(prompt, text) + " truncated: expected " + prompt.get("truncated").asBoolean()
                        + " got " + enc.truncated() + " (" + enc.truncatedTokens() + " tokens cut)");
            }
            if (prompt.has("n_tokens_untruncated")) {
                int cut = Math.max(0, prompt.get("n_tokens_untruncated").asInt() - tokenizer.maxLength());
                assertEquals(cut, enc.truncatedTokens(), describe(prompt, text) + " truncatedTokens");
            }
        }
        if (!failures.isEmpty()) {
            fail(String.join("\n", failures));
        }
    }

    @Test
    void vocabChecks() {
        JsonNode checks = testCase.get("vocab_checks");
        assertTrue(checks != null && !checks.isEmpty(), "no vocab_checks");
        for (ClipTokenizer tokenizer : BY_FIELD.values()) {
            checks.fields().forEachRemaining(e ->
                    assertEquals(e.getValue().asInt(), tokenizer.tokenToId(e.getKey()), "vocab id of " + e.getKey()));
        }
    }

    @Test
    void specialIds() {
        JsonNode ids = testCase.get("special_ids");
        assertTrue(ids != null && !ids.isEmpty(), "no special_ids");
        ids.fields().forEachRemaining(e -> {
            int expected = e.getValue().asInt();
            switch (e.getKey()) {
                case "bos" -> BY_FIELD.values().forEach(t -> assertEquals(expected, t.bosTokenId(), "bos"));
                case "eos" -> BY_FIELD.values().forEach(t -> assertEquals(expected, t.eosTokenId(), "eos"));
                case "pad_sd15" -> assertEquals(expected, BY_FIELD.get("input_ids").padTokenId(), "pad_sd15");
                case "pad_sd21" -> assertEquals(expected, BY_FIELD.get("input_ids_pad_bang").padTokenId(), "pad_sd21");
                default -> fail("unknown special_ids key " + e.getKey());
            }
        });
        BY_FIELD.values().forEach(t -> assertEquals(77, t.maxLength(), "model_max_length"));
    }

    @Test
    void paddedWithTheFolderPadToken() {
        for (JsonNode prompt : testCase.get("prompts")) {
            for (Map.Entry<String, ClipTokenizer> e : BY_FIELD.entrySet()) {
                ClipTokenizer t = e.getValue();
                int[] ids = t.encode(prompt.get("text").asText()).inputIds();
                assertEquals(t.maxLength(), ids.length);
                assertEquals(t.bosTokenId(), ids[0]);
                assertFalse(ids[ids.length - 1] != t.padTokenId() && ids[ids.length - 1] != t.eosTokenId(),
                        "last id is neither pad nor eos");
            }
        }
    }

    private static String describe(JsonNode prompt, String text) {
        String index = prompt.has("index") ? prompt.get("index").asText() : "?";
        return "prompt " + index + " \"" + text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "\"";
    }

    private static int[] toIntArray(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** Null when equal, else the first differing position with both values. */
    static String firstDifference(int[] expected, int[] actual) {
        int n = Math.min(expected.length, actual.length);
        for (int i = 0; i < n; i++) {
            if (expected[i] != actual[i]) {
                return "first difference at position " + i + ": expected " + expected[i] + " got " + actual[i];
            }
        }
        if (expected.length != actual.length) {
            return "length: expected " + expected.length + " got " + actual.length;
        }
        return null;
    }
}
