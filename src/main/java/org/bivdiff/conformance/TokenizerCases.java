package org.bivdiff.conformance;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.clip.Normalization;
import org.bivdiff.tensor.Tensor;

/**
 * The {@code tokenizer} case: every prompt of the case JSON, every id field ({@code input_ids},
 * {@code input_ids_pad_bang}, {@code input_ids_no_ftfy}), compared exactly. The expected ids live in the JSON,
 * not in a tensors file; the tokenizer folder of each field comes from the JSON's {@code tokenizer_folders}.
 */
final class TokenizerCases {

    private TokenizerCases() {
    }

    /** Encodes every prompt with the tokenizer of every id field and checks the ids exactly. */
    static void encode(CaseContext ctx) throws Exception {
        JsonNode json = ctx.spec().json();
        Map<String, ClipTokenizer> byField = tokenizers(ctx.spec());
        JsonNode prompts = json.path("prompts");
        if (!prompts.isArray() || prompts.isEmpty()) {
            throw new IllegalArgumentException("case " + ctx.spec().name() + " has no prompts");
        }
        for (JsonNode prompt : prompts) {
            String text = prompt.path("text").asText();
            String index = prompt.path("index").asText("?");
            for (Map.Entry<String, ClipTokenizer> e : byField.entrySet()) {
                JsonNode expected = prompt.get(e.getKey());
                if (expected == null) {
                    continue;
                }
                Tensor want = ids(expected);
                Tensor got = ids(e.getValue().encode(text).inputIds());
                ctx.check(OutputSpec.exact(e.getKey() + "[" + index + "]", want.shape()), got, want);
            }
        }
    }

    /**
     * The tokenizer of each field named in {@code tokenizer_folders}; the folder is the text before the first
     * whitespace, and a field ending in {@code _no_ftfy} uses transformers' fallback normalisation.
     */
    private static Map<String, ClipTokenizer> tokenizers(CaseSpec spec) throws Exception {
        JsonNode folders = spec.json().path("tokenizer_folders");
        if (!folders.isObject() || folders.isEmpty()) {
            throw new IllegalArgumentException("case " + spec.name() + " has no tokenizer_folders");
        }
        Map<String, ClipTokenizer> byField = new LinkedHashMap<>();
        for (var it = folders.fields(); it.hasNext();) {
            var e = it.next();
            Path folder = spec.root().resolve(e.getValue().asText().strip().split("\\s+")[0]);
            Normalization norm = e.getKey().endsWith("_no_ftfy") ? Normalization.BASIC : Normalization.FTFY;
            byField.put(e.getKey(), ClipTokenizer.load(folder, norm));
        }
        return byField;
    }

    private static Tensor ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids(ids);
    }

    /** Ids as a (1, n) float tensor: exact for ids below 2^24, as CLIP's (< 49408) are. */
    private static Tensor ids(int[] ids) {
        float[] f = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            f[i] = ids[i];
        }
        return Tensor.of(f, 1, ids.length);
    }
}
