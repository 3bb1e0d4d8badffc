package org.bivdiff.models.clip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Writes a minimal CLIP tokenizer folder in the real layout: the 256 byte symbols, the same with
 * {@code </w>}, no merges, and the special tokens. Every text tokenizes (byte by byte), so it serves
 * random-weight demo models without shipping the 1.5 MB CLIP vocabulary.
 */
public final class ByteLevelTokenizerFiles {

    private ByteLevelTokenizerFiles() {
    }

    /**
     * Writes {@code vocab.json}, {@code merges.txt}, {@code tokenizer_config.json} and
     * {@code special_tokens_map.json} into {@code folder}.
     *
     * @param padToken {@code <|endoftext|>} (SD 1.x) or {@code !} (SD 2.x, ZeroScope)
     * @return the vocabulary size, for the text encoder's config
     */
    public static int write(Path folder, String padToken) throws IOException {
        Files.createDirectories(folder);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteUnicode.of(b)), vocab.size());
        }
        for (int b = 0; b < 256; b++) {
            vocab.put(ByteUnicode.of(b) + "</w>", vocab.size());
        }
        vocab.put("<|startoftext|>", vocab.size());
        vocab.put("<|endoftext|>", vocab.size());
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(folder.resolve(TokenizerFiles.VOCAB).toFile(), vocab);
        Files.writeString(folder.resolve(TokenizerFiles.MERGES), "#version: 0.2\n");
        Map<String, Object> special = Map.of("bos_token", "<|startoftext|>", "eos_token", "<|endoftext|>",
                "unk_token", "<|endoftext|>", "pad_token", padToken);
        json.writeValue(folder.resolve(TokenizerFiles.SPECIAL_TOKENS_MAP).toFile(), special);
        Map<String, Object> config = new LinkedHashMap<>(special);
        config.put("model_max_length", 77);
        config.put("tokenizer_class", "CLIPTokenizer");
        json.writeValue(folder.resolve(TokenizerFiles.CONFIG).toFile(), config);
        return vocab.size();
    }
}
