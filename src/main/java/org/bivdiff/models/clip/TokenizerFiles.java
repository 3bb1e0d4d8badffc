package org.bivdiff.models.clip;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bivdiff.io.Json;

/**
 * The contents of a Hugging Face CLIP tokenizer folder, read and checked.
 *
 * <p>{@code vocab.json} and {@code merges.txt} are required; {@code tokenizer_config.json} and
 * {@code special_tokens_map.json} are optional (transformers' defaults apply: {@code <|startoftext|>} for bos,
 * {@code <|endoftext|>} for eos, unk and pad, a maximum length of 77). As in transformers,
 * {@code special_tokens_map.json} overrides {@code tokenizer_config.json}. Stricter than the reference: the
 * merges file must start with its {@code #version} line, and every special token must be in the vocabulary.
 *
 * @param vocab token to id
 * @param mergeRanks merge rank by pair, keyed {@code first + " " + second}
 * @param specialTokens role ({@code bos_token}, {@code eos_token}, {@code unk_token}, {@code pad_token}) to token
 * @param additionalSpecialTokens further tokens never split ({@code additional_special_tokens})
 * @param modelMaxLength {@code model_max_length}
 */
record TokenizerFiles(Map<String, Integer> vocab, Map<String, Integer> mergeRanks, Map<String, String> specialTokens,
                      List<String> additionalSpecialTokens, int modelMaxLength) {

    static final String VOCAB = "vocab.json";
    static final String MERGES = "merges.txt";
    static final String CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    /** transformers reads {@code lines[1 : 49152 - 256 - 2 + 1]} of merges.txt. */
    static final int MAX_MERGES = 49152 - 256 - 2;
    static final List<String> ROLES = List.of("bos_token", "eos_token", "unk_token", "pad_token");

    /** Reads and validates the tokenizer files in {@code folder}. */
    static TokenizerFiles read(Path folder) throws TokenizerFileException {
        Map<String, Integer> vocab = readVocab(folder.resolve(VOCAB));
        Map<String, Integer> ranks = readMerges(folder.resolve(MERGES));

        Map<String, String> special = new LinkedHashMap<>(Map.of("bos_token", "<|startoftext|>",
                "eos_token", "<|endoftext|>", "unk_token", "<|endoftext|>", "pad_token", "<|endoftext|>"));
        Map<String, Path> source = new HashMap<>();
        List<String> additional = new ArrayList<>();
        int maxLength = 77;
        for (String name : List.of(CONFIG, SPECIAL_TOKENS_MAP)) {
            Path file = folder.resolve(name);
            if (!Files.exists(file)) {
                continue;
            }
            JsonNode root = readJson(file);
            for (String role : ROLES) {
                if (root.hasNonNull(role)) {
                    special.put(role, tokenText(file, role, root.get(role)));
                    source.put(role, file);
                }
            }
            if (root.hasNonNull("additional_special_tokens")) {
                additional.clear();
                for (JsonNode t : root.get("additional_special_tokens")) {
                    additional.add(tokenText(file, "additional_special_tokens", t));
                }
            }
            if (name.equals(CONFIG) && root.hasNonNull("model_max_length")) {
                maxLength = maxLength(file, root.get("model_max_length"));
            }
        }
        for (Map.Entry<String, String> e : special.entrySet()) {
            checkInVocab(vocab, folder, e.getValue(), e.getKey() + " (from "
                    + source.getOrDefault(e.getKey(), Path.of("the defaults")).getFileName() + ")");
        }
        for (String t : additional) {
            checkInVocab(vocab, folder, t, "additional special token");
        }
        return new TokenizerFiles(Map.copyOf(vocab), Map.copyOf(ranks), Map.copyOf(special), List.copyOf(additional),
                maxLength);
    }

    private static Map<String, Integer> readVocab(Path file) throws TokenizerFileException {
        JsonNode root = readJson(file);
        if (!root.isObject() || root.isEmpty()) {
            throw new TokenizerFileException(file, "expected a non-empty JSON object mapping token strings to integer ids");
        }
        Map<String, Integer> vocab = new HashMap<>(root.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber() || e.getValue().asInt() < 0) {
                throw new TokenizerFileException(file, "token '" + e.getKey() + "' maps to " + e.getValue()
                        + ", expected a non-negative integer id");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        return vocab;
    }

    private static Map<String, Integer> readMerges(Path file) throws TokenizerFileException {
        String[] lines = readText(file).strip().split("\n", -1);
        if (!lines[0].startsWith("#version")) {
            throw new TokenizerFileException(file, "first line should be the '#version' header, found '"
                    + abbreviate(lines[0]) + "'");
        }
        Map<String, Integer> ranks = new HashMap<>();
        int n = Math.min(lines.length - 1, MAX_MERGES);
        for (int rank = 0; rank < n; rank++) {
            String line = lines[rank + 1];
            String[] symbols = line.strip().split("\\s+");
            if (symbols.length != 2 || symbols[0].isEmpty()) {
                throw new TokenizerFileException(file, "line " + (rank + 2) + ": expected two symbols separated by a"
                        + " space, found '" + abbreviate(line) + "'");
            }
            // A repeated pair keeps its last rank, like dict(zip(merges, range(n))).
            ranks.put(symbols[0] + " " + symbols[1], rank);
        }
        return ranks;
    }

    private static JsonNode readJson(Path file) throws TokenizerFileException {
        try {
            JsonNode root = Json.STRICT.readTree(readText(file));
            if (root == null || root.isMissingNode()) {
                throw new TokenizerFileException(file, "empty file, expected a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new TokenizerFileException(file, "invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String readText(Path file) throws TokenizerFileException {
        if (!Files.isRegularFile(file)) {
            throw new TokenizerFileException(file, "file is missing");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new TokenizerFileException(file, "not valid UTF-8", e);
        } catch (IOException e) {
            throw new TokenizerFileException(file, "cannot be read: " + e, e);
        }
    }

    /** A token written as a string or as an AddedToken object {@code {"content": ...}}. */
    private static String tokenText(Path file, String role, JsonNode node) throws TokenizerFileException {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.get("content").asText();
        }
        throw new TokenizerFileException(file, role + " should be a string or an object with a string 'content', found "
                + abbreviate(node.toString()));
    }

    private static int maxLength(Path file, JsonNode node) throws TokenizerFileException {
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 2) {
            throw new TokenizerFileException(file, "model_max_length should be an integer >= 2, found " + node);
        }
        return node.asInt();
    }

    private static void checkInVocab(Map<String, Integer> vocab, Path folder, String token, String what)
            throws TokenizerFileException {
        if (!vocab.containsKey(token)) {
            throw new TokenizerFileException(folder.resolve(VOCAB), what + " '" + token + "' is not in the vocabulary");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
