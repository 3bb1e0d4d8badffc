package org.bivdiff.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.bivdiff.conformance.CaseSpec;
import org.bivdiff.conformance.Fixtures;
import org.bivdiff.conformance.OutputSpec;
import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.SafeTensorsFile;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link PromptEncoder} against the prompt embeddings stored by the pipeline cases ({@code e2e_txt2img_sd15}'s
 * {@code prompt_embeds}, {@code mixed_inversion}'s negative embeddings), and its batching rules.
 */
class PromptEncoderTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));

    /** Prompts and tokenizer / text encoder folders of one pipeline, and the case they come from. */
    private record Loaded(CaseSpec spec, ClipTokenizer tokenizer, ClipTextModel textEncoder) implements AutoCloseable {

        PromptEncoder encoder() {
            return new PromptEncoder(tokenizer, textEncoder);
        }

        Tensor expected(String name) throws IOException {
            try (SafeTensorsFile f = SafeTensorsFile.open(spec.tensorsFile())) {
                return f.readTensor(name);
            }
        }

        void assertMatches(String name, Tensor actual) throws IOException {
            OutputSpec o = spec.output(name);
            TensorAssert.assertClose(expected(name), actual, o.atol(), o.rtol(), spec.name() + " " + name);
        }

        @Override
        public void close() throws IOException {
            textEncoder.close();
        }
    }

    /** A diffusers pipeline folder ({@code tokenizer/}, {@code text_encoder/}) named by the case's {@code model}. */
    private static Loaded pipelineCase(String name) throws IOException {
        CaseSpec spec = CaseSpec.read(Fixtures.root(), name);
        Path model = spec.path("model");
        return new Loaded(spec, ClipTokenizer.load(model.resolve("tokenizer")),
                ClipTextModel.load(model.resolve("text_encoder"), ENGINE));
    }

    /** Folders named separately in the case's {@code models} object ("path  (comment)"). */
    private static Loaded modelsCase(String name, String tokenizerKey, String textEncoderKey) throws IOException {
        CaseSpec spec = CaseSpec.read(Fixtures.root(), name);
        JsonNode models = spec.json().path("models");
        return new Loaded(spec, ClipTokenizer.load(folder(spec, models.path(tokenizerKey))),
                ClipTextModel.load(folder(spec, models.path(textEncoderKey)), ENGINE));
    }

    private static Path folder(CaseSpec spec, JsonNode entry) {
        assertTrue(entry.isTextual(), "case " + spec.name() + ": missing model folder");
        return spec.root().resolve(entry.asText().strip().split("\\s+")[0]);
    }

    /** The prompt argument {@code key} of the case: a string, or null when the JSON holds null. */
    private static String arg(CaseSpec spec, String key) {
        JsonNode n = spec.args().path(key);
        assertTrue(n.isTextual() || n.isNull(), "case " + spec.name() + ": args." + key + " is not a prompt");
        return n.isNull() ? null : n.asText();
    }

    private static List<String> listOrNull(String text) {
        return text == null ? null : List.of(text);
    }

    @Test
    void txt2imgPromptEmbedsAreNegativeThenPositive() throws IOException {
        try (Loaded c = pipelineCase("e2e_txt2img_sd15")) {
            PromptEmbeddings e = c.encoder().encode(List.of(arg(c.spec(), "prompt")),
                    listOrNull(arg(c.spec(), "negative_prompt")), 1, true);
            c.assertMatches("prompt_embeds", e.encoderHiddenStates());
        }
    }

    @Test
    void mixedInversionNegativeEmbedsOfBothEncoders() throws IOException {
        String[][] sides = {{"image_tokenizer", "image_text_encoder", "image"},
                {"video_tokenizer", "video_text_encoder", "video"}};
        for (String[] side : sides) {
            try (Loaded c = modelsCase("mixed_inversion", side[0], side[1])) {
                CaseSpec s = c.spec();
                PromptEmbeddings first = c.encoder().encode(List.of(arg(s, "prompt")),
                        listOrNull(arg(s, "negative_prompt")), 1, true);
                c.assertMatches("uncond_embeds_" + side[2], first.negativePromptEmbeds().orElseThrow());
                PromptEmbeddings second = c.encoder().encode(List.of(arg(s, "prompt2")),
                        listOrNull(arg(s, "negative_prompt2")), 1, true);
                c.assertMatches("negative_embeds_" + side[2] + "_prompt2", second.negativePromptEmbeds().orElseThrow());
            }
        }
    }

    @Test
    void eachPromptIsRepeatedInPlace() throws IOException {
        try (Loaded c = pipelineCase("e2e_txt2img_sd15")) {
            String p0 = arg(c.spec(), "prompt");
            String p1 = arg(c.spec(), "negative_prompt");
            PromptEmbeddings pair = c.encoder().encode(List.of(p0, p1), null, 3, true);
            PromptEmbeddings single = c.encoder().encode(List.of(p1), List.of(""), 1, true);
            Tensor pos = pair.promptEmbeds();
            Tensor neg = pair.negativePromptEmbeds().orElseThrow();
            assertEquals(6, pos.dim(0));
            assertArrayEquals(pos.shape(), neg.shape());
            for (int r = 0; r < 3; r++) {
                TensorAssert.assertExact(pos.slice0(0, 1), pos.slice0(r, r + 1), "copy " + r + " of prompt 0");
                TensorAssert.assertClose(single.promptEmbeds(), pos.slice0(3 + r, 4 + r), 1e-5, 1e-5, "copy of prompt 1");
                TensorAssert.assertClose(single.negativePromptEmbeds().orElseThrow(), neg.slice0(r, r + 1), 1e-5, 1e-5,
                        "uncond copy " + r);
            }
            Tensor both = pair.encoderHiddenStates();
            assertEquals(12, both.dim(0));
            TensorAssert.assertExact(neg, both.slice0(0, 6), "uncond half first");
            TensorAssert.assertExact(pos, both.slice0(6, 12), "cond half second");
        }
    }

    @Test
    void withoutGuidanceOnlyThePromptsAreEncoded() throws IOException {
        try (Loaded c = pipelineCase("e2e_txt2img_sd15")) {
            PromptEmbeddings e = c.encoder().encode(List.of(arg(c.spec(), "prompt")),
                    List.of(arg(c.spec(), "negative_prompt")), 2, false);
            assertFalse(e.classifierFreeGuidance());
            assertTrue(e.negativePromptEmbeds().isEmpty());
            TensorAssert.assertExact(e.promptEmbeds(), e.encoderHiddenStates(), "no guidance");
        }
    }

    @Test
    void truncatedTextsAreReported() throws IOException {
        try (Loaded c = pipelineCase("e2e_txt2img_sd15")) {
            List<String> words = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                words.add("cat");
            }
            String tooLong = String.join(" ", words);
            String fits = arg(c.spec(), "prompt");
            PromptEmbeddings e = c.encoder().encode(List.of(fits, tooLong), List.of(tooLong, fits), 1, true);
            int cut = 100 - (c.tokenizer().maxLength() - 2);
            List<String> cat = c.tokenizer().tokenize("cat");
            assertEquals(1, cat.size(), "'cat' should be one BPE token");
            assertEquals(List.of(new PromptEmbeddings.Truncation(PromptEmbeddings.Kind.PROMPT, 1,
                            Collections.nCopies(cut, cat.getFirst())),
                    new PromptEmbeddings.Truncation(PromptEmbeddings.Kind.NEGATIVE_PROMPT, 0,
                            Collections.nCopies(cut, cat.getFirst()))), e.truncations());
            assertEquals(cut, e.truncations().getFirst().count());
        }
    }

    @Test
    void badArgumentsAreRefused() throws IOException {
        try (Loaded c = pipelineCase("e2e_txt2img_sd15")) {
            PromptEncoder enc = c.encoder();
            assertThrows(IllegalArgumentException.class, () -> enc.encode(List.of(), null, 1, true));
            assertThrows(IllegalArgumentException.class, () -> enc.encode(List.of("a"), null, 0, true));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> enc.encode(List.of("a", "b"), List.of("c"), 1, true));
            assertTrue(e.getMessage().contains("negative"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> enc.encode(List.of("a"), null, 1, true, -1));
        }
    }

    @Test
    void clipSkipChangesOnlyThePrompts() throws IOException {
        try (Loaded c = pipelineCase("e2e_txt2img_sd15")) {
            List<String> p = List.of(arg(c.spec(), "prompt"));
            List<String> n = List.of(arg(c.spec(), "negative_prompt"));
            PromptEmbeddings plain = c.encoder().encode(p, n, 1, true);
            PromptEmbeddings skipped = c.encoder().encode(p, n, 1, true, 1);
            assertFalse(Arrays.equals(plain.promptEmbeds().data(), skipped.promptEmbeds().data()));
            TensorAssert.assertExact(plain.negativePromptEmbeds().orElseThrow(),
                    skipped.negativePromptEmbeds().orElseThrow(), "negative embeddings ignore clip_skip");
        }
    }
}
