package org.bivdiff.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON reader of every file bivdiff takes in ({@code config.json}, {@code model_index.json},
 * safetensors headers and indexes, tokenizer files): strict JSON, where a key given twice and anything after
 * the top-level value are errors rather than a silent "last one wins" or "rest ignored". NaN and Infinity are
 * not JSON and stay refused.
 */
public final class Json {

    /** Strict JSON: duplicate keys and trailing content fail. */
    public static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }
}
