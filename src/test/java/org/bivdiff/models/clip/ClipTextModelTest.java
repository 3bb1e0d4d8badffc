package org.bivdiff.models.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.bivdiff.conformance.CaseSpec;
import org.bivdiff.conformance.Fixtures;
import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.ConfigException;
import org.bivdiff.io.SafeTensorsFile;
import org.bivdiff.io.SafeTensorsWriter;
import org.bivdiff.io.SafeTensorsWriter.Entry;
import org.bivdiff.io.TensorInfo;
import org.bivdiff.models.WeightsException;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClipTextModel} on the fixture SD 1.5 text encoder: behaviour, clip skip, and refused folders and configs. */
class ClipTextModelTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));
    private static final String LONG_PROMPT = "a very detailed painting of a lighthouse on a rocky coast at dusk, "
            + "waves crashing, seagulls flying, warm light from the windows, clouds in pink and orange, a small boat "
            + "with a red sail, fishermen on the pier, nets and ropes, barrels, lanterns, a dog sleeping, moss on "
            + "the stones, a winding path up the hill, wildflowers, a distant town with church towers";

    private static Path folder;
    private static ClipTokenizer tokenizer;
    private static ClipTextModel model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws IOException {
        folder = CaseSpec.read(Fixtures.root(), "text_encoder_sd15").path("model");
        tokenizer = ClipTokenizer.load(TokenizerTestFolders.folderFor("input_ids"));
        model = ClipTextModel.load(folder, ENGINE);
    }

    @AfterAll
    static void close() throws IOException {
        model.close();
    }

    private static LongTensor ids(String... texts) {
        int n = tokenizer.maxLength();
        long[] ids = new long[texts.length * n];
        for (int i = 0; i < texts.length; i++) {
            System.arraycopy(tokenizer.encode(texts[i]).inputIdsAsLong(), 0, ids, i * n, n);
        }
        return new LongTensor(new int[] {texts.length, n}, ids);
    }

    private static Tensor row(Tensor x, int b, int s) {
        int d = x.dim(-1);
        int at = (b * x.dim(1) + s) * d;
        return Tensor.of(Arrays.copyOfRange(x.data(), at, at + d), d);
    }

    private static Tensor row(Tensor x, int b) {
        int d = x.dim(-1);
        return Tensor.of(Arrays.copyOfRange(x.data(), b * d, (b + 1) * d), d);
    }

    @Test
    void emptyAndLongPromptPoolAtTheirEos() {
        assertTrue(tokenizer.encode(LONG_PROMPT).truncated(), "the long prompt should need truncation");
        ClipTextModel.Output out = model.forward(ids("", LONG_PROMPT));
        int d = model.config().hiddenSize();
        assertArrayEquals(new int[] {2, 77, d}, out.lastHiddenState().shape());
        assertArrayEquals(new int[] {2, d}, out.poolerOutput().shape());
        for (float v : out.lastHiddenState().data()) {
            assertTrue(Float.isFinite(v), "non-finite state");
        }
        // "" is [bos, eos, eos...]: the first eos is at position 1; the truncated prompt ends with eos at 76.
        TensorAssert.assertExact(row(out.lastHiddenState(), 0, 1), row(out.poolerOutput(), 0), "pooler of ''");
        TensorAssert.assertExact(row(out.lastHiddenState(), 1, 76), row(out.poolerOutput(), 1), "pooler of long");
        // Same position 0 (bos) in both: causal attention sees only itself there.
        TensorAssert.assertClose(row(out.lastHiddenState(), 0, 0), row(out.lastHiddenState(), 1, 0), 1e-6, 1e-6, "bos");
        assertFalse(Arrays.equals(row(out.poolerOutput(), 0).data(), row(out.poolerOutput(), 1).data()));
    }

    @Test
    void statesDependOnlyOnEarlierTokens() {
        Tensor h = model.forward(ids("a photo of a cat", "a photo of a dog on a sofa")).lastHiddenState();
        for (int s = 0; s < 5; s++) {          // bos, a, photo, of, a: shared prefix
            TensorAssert.assertClose(row(h, 0, s), row(h, 1, s), 1e-5, 1e-5, "prefix position " + s);
        }
        assertFalse(Arrays.equals(row(h, 0, 5).data(), row(h, 1, 5).data()), "cat and dog states are equal");
    }

    @Test
    void batchRowsAreIndependent() {
        Tensor both = model.forward(ids("a photo of a cat", LONG_PROMPT)).lastHiddenState();
        Tensor alone = model.forward(ids(LONG_PROMPT)).lastHiddenState();
        TensorAssert.assertClose(alone, both.slice0(1, 2), 1e-5, 1e-5, "row 1 of a batch vs alone");
    }

    @Test
    void clipSkipGivesEarlierLayersThroughTheFinalNorm() {
        LongTensor ids = ids("a photo of a cat");
        Tensor last = model.forward(ids).lastHiddenState();
        TensorAssert.assertExact(last, model.encoderHiddenStates(ids, 0), "clip_skip 0");
        int layers = model.config().numHiddenLayers();
        for (int k = 1; k <= layers; k++) {
            Tensor skipped = model.encoderHiddenStates(ids, k);
            assertArrayEquals(last.shape(), skipped.shape(), "clip_skip " + k);
            assertFalse(Arrays.equals(last.data(), skipped.data()), "clip_skip " + k + " equals the last layer");
        }
        assertThrows(IllegalArgumentException.class, () -> model.encoderHiddenStates(ids, layers + 1));
        assertThrows(IllegalArgumentException.class, () -> model.encoderHiddenStates(ids, -1));
    }

    @Test
    void badInputIdsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> model.forward(new LongTensor(new int[] {1, 78}, new long[78])));
        assertThrows(IllegalArgumentException.class, () -> model.forward(new LongTensor(new int[] {1, 1},
                new long[] {model.config().vocabSize()})));
        assertThrows(IllegalArgumentException.class, () -> model.forward(new LongTensor(new int[] {77}, new long[77])));
    }

    /** Copies the fixture folder into {@code tmp}, its weights passed through {@code edit}. */
    private Path copy(UnaryOperator<List<Entry>> edit) throws IOException {
        Path out = Files.createDirectories(tmp.resolve("text_encoder"));
        Files.copy(folder.resolve("config.json"), out.resolve("config.json"));
        List<Entry> entries = new ArrayList<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(folder.resolve("model.safetensors"))) {
            for (TensorInfo t : f.tensors()) {
                entries.add(new Entry(t.name(), t.dtype(), t.shape(), f.segment(t.name()).toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        SafeTensorsWriter.write(out.resolve("model.safetensors"), edit.apply(entries), Map.of("format", "pt"));
        return out;
    }

    @Test
    void missingWeightIsNamedWithItsFolder() throws IOException {
        String key = "text_model.encoder.layers.1.mlp.fc2.bias";
        Path bad = copy(es -> es.stream().filter(e -> !e.name().equals(key)).toList());
        WeightsException e = assertThrows(WeightsException.class, () -> ClipTextModel.load(bad, ENGINE));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(bad.toString()), e.getMessage());
    }

    @Test
    void extraWeightIsNamedWithItsFolder() throws IOException {
        String key = "text_projection.weight";
        Path bad = copy(es -> {
            List<Entry> more = new ArrayList<>(es);
            more.add(Entry.f32(key, new long[] {2, 2}, new float[4]));
            return more;
        });
        WeightsException e = assertThrows(WeightsException.class, () -> ClipTextModel.load(bad, ENGINE));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(bad.toString()), e.getMessage());
    }

    @Test
    void weightsOfTheWrongWidthAreRefused() throws IOException {
        Path bad = copy(UnaryOperator.identity());
        String config = Files.readString(bad.resolve("config.json"));
        int doubled = 2 * model.config().hiddenSize();
        Files.writeString(bad.resolve("config.json"), config.replaceFirst("\"hidden_size\": *\\d+",
                "\"hidden_size\": " + doubled));
        WeightsException e = assertThrows(WeightsException.class, () -> ClipTextModel.load(bad, ENGINE));
        assertTrue(e.getMessage().contains("token_embedding.weight"), e.getMessage());
    }

    /** Loads a copy whose config has the first match of the regex {@code from} replaced by {@code to}. */
    private ConfigException badConfig(String from, String to) throws IOException {
        Path bad = copy(UnaryOperator.identity());
        String config = Files.readString(bad.resolve("config.json"));
        String edited = config.replaceFirst(from, to);
        assertFalse(edited.equals(config), "fixture config has no match for " + from);
        Files.writeString(bad.resolve("config.json"), edited);
        return assertThrows(ConfigException.class, () -> ClipTextModel.load(bad, ENGINE));
    }

    @Test
    void unsupportedActivationIsRefused() throws IOException {
        ConfigException e = badConfig("\"hidden_act\": *\"[a-z_]+\"", "\"hidden_act\": \"relu\"");
        assertTrue(e.getMessage().contains("hidden_act") && e.getMessage().contains("quick_gelu"), e.getMessage());
    }

    @Test
    void unknownOptionIsRefused() throws IOException {
        ConfigException e = badConfig("\\{", "{\"use_rotary_positions\": true,");
        assertTrue(e.getMessage().contains("use_rotary_positions"), e.getMessage());
    }

    @Test
    void otherArchitectureIsRefused() throws IOException {
        ConfigException e = badConfig("\"CLIPTextModel\"", "\"CLIPTextModelWithProjection\"");
        assertTrue(e.getMessage().contains("architectures"), e.getMessage());
    }

    @Test
    void headsThatDoNotDivideTheWidthAreRefused() throws IOException {
        ConfigException e = badConfig("\"num_attention_heads\": *\\d+",
                "\"num_attention_heads\": " + (model.config().hiddenSize() + 1));
        assertTrue(e.getMessage().contains("num_attention_heads"), e.getMessage());
    }

    @Test
    void configIsReadAsWritten() throws IOException {
        ClipTextConfig c = ClipTextConfig.read(folder);
        assertEquals(ClipTextConfig.HiddenAct.QUICK_GELU, c.hiddenAct());
        assertEquals(c.hiddenSize() / c.numAttentionHeads(), c.headDim());
        assertEquals(tokenizer.maxLength(), c.maxPositionEmbeddings());
    }
}
