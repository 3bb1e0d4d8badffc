package org.bivdiff.models.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.ConfigException;
import org.bivdiff.io.DType;
import org.bivdiff.models.WeightsException;
import org.bivdiff.models.random.RandomWeights;
import org.bivdiff.models.random.TinyModels;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CLIPModel and CLIPVisionModelWithProjection on the tiny random CLIP: the logits are the scaled cosines of
 * the features, a vision-only folder computes what the CLIPModel's image side computes, transformers'
 * config-dict overrides, and bad configs, weights and inputs.
 */
class ClipModelTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(1));

    @TempDir
    static Path dir;
    private static Path clip;

    @BeforeAll
    static void tinyClip() throws IOException {
        clip = TinyModels.clip(dir.resolve("clip"), 5);
    }

    private static Tensor pixels(int batch, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[batch * 3 * 32 * 32];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensor.of(v, batch, 3, 32, 32);
    }

    @Test
    void logitsAreTheScaledCosinesOfTheFeatures() throws Exception {
        ClipTokenizer tok = ClipTokenizer.load(clip);
        int[] ids = tok.encodeUnpadded("a cat");
        LongTensor inputIds = new LongTensor(new int[] {1, ids.length}, java.util.Arrays.stream(ids).asLongStream().toArray());
        try (ClipModel model = ClipModel.load(clip, ENGINE)) {
            assertEquals((float) Math.log(1 / 0.07), model.logitScale(), 0f);
            Tensor px = pixels(3, 1);
            ClipModel.Output out = model.forward(inputIds, px);
            Tensor text = model.textFeatures(inputIds);
            Tensor image = model.imageFeatures(px);
            assertArrayEquals(new int[] {1, 24}, text.shape());
            assertArrayEquals(new int[] {3, 24}, image.shape());
            assertArrayEquals(new int[] {3, 1}, out.logitsPerImage().shape());
            assertArrayEquals(new int[] {1, 3}, out.logitsPerText().shape());
            double scale = Math.exp(model.logitScale());
            for (int i = 0; i < 3; i++) {
                double dot = 0;
                double nt = 0;
                double ni = 0;
                for (int k = 0; k < 24; k++) {
                    double a = image.data()[i * 24 + k];
                    double b = text.data()[k];
                    dot += a * b;
                    nt += b * b;
                    ni += a * a;
                }
                double expected = scale * dot / Math.sqrt(nt * ni);
                assertEquals(expected, out.logitsPerImage().data()[i], 1e-5 * Math.abs(expected) + 1e-6);
                assertEquals(out.logitsPerImage().data()[i], out.logitsPerText().data()[i], 0f);
            }
            double norm = 0;
            for (float v : out.imageEmbeds().slice0(2, 3).data()) {
                norm += v * v;
            }
            assertEquals(1.0, norm, 1e-6);
            // Each image is embedded on its own: a batch gives the rows of single calls.
            TensorAssert.assertClose(model.imageFeatures(px.slice0(1, 2)), image.slice0(1, 2), 1e-6, 1e-5, "row 1");
        }
    }

    @Test
    void promptsAreTokenisedWithoutTruncationOrPadding() throws Exception {
        ClipTokenizer tok = ClipTokenizer.load(clip);
        int[] ids = tok.encodeUnpadded("ab");
        assertArrayEquals(new int[] {tok.bosTokenId(), tok.tokenToId("a"), tok.tokenToId("b</w>"), tok.eosTokenId()}, ids);
        String longText = "x".repeat(100);
        assertEquals(102, tok.encodeUnpadded(longText).length, "the byte-level vocabulary: one token per byte");
    }

    @Test
    void aVisionOnlyFolderComputesTheClipModelsImageSide(@TempDir Path tmp) throws Exception {
        Path vision = Files.createDirectories(tmp.resolve("vision"));
        Files.writeString(vision.resolve("config.json"), """
                {"architectures": ["CLIPVisionModelWithProjection"], "model_type": "clip_vision_model",
                 "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                 "image_size": 32, "patch_size": 8, "projection_dim": 24, "hidden_act": "quick_gelu",
                 "layer_norm_eps": 1e-5, "torch_dtype": "float32", "transformers_version": "4.31.0"}""");
        Map<String, long[]> shapes = new LinkedHashMap<>();
        ClipModel.parameterShapes(clip).forEach((k, s) -> {
            if (k.startsWith("vision_model.") || k.startsWith("visual_projection.")) {
                shapes.put(k, s);
            }
        });
        RandomWeights.write(vision.resolve("model.safetensors"), shapes, 5, DType.F32);   // same seed, same values
        Tensor px = pixels(2, 2);
        try (ClipVisionModel alone = ClipVisionModel.load(vision, ENGINE); ClipModel model = ClipModel.load(clip, ENGINE)) {
            ClipVisionModel.Output a = alone.forward(px);
            ClipVisionModel.Output b = model.vision().forward(px);
            assertArrayEquals(new int[] {2, 17, 32}, a.lastHiddenState().shape());
            assertArrayEquals(new int[] {2, 32}, a.poolerOutput().shape());
            TensorAssert.assertExact(b.imageEmbeds(), a.imageEmbeds(), "image_embeds");
            TensorAssert.assertExact(b.lastHiddenState(), a.lastHiddenState(), "last_hidden_state");
        }
    }

    @Test
    void configDictsOverrideTheConfigsWithTransformersDefaults(@TempDir Path tmp) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("old"));
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 24,
                 "text_config": {"hidden_size": 16, "num_hidden_layers": 2, "vocab_size": 514, "bad_words_ids": null},
                 "text_config_dict": {"hidden_size": 8, "intermediate_size": 16, "num_attention_heads": 2},
                 "vision_config": {"hidden_size": 32, "image_size": 32, "patch_size": 8},
                 "vision_config_dict": {"hidden_size": 64, "num_attention_heads": 4, "patch_size": 16}}""");
        ClipConfig c = ClipConfig.read(folder);
        assertEquals(8, c.text().hiddenSize());
        assertEquals(12, c.text().numHiddenLayers(), "not text_config's 2: the dict's defaults win");
        assertEquals(49408, c.text().vocabSize());
        assertEquals(64, c.vision().hiddenSize());
        assertEquals(224, c.vision().imageSize());
        assertEquals(16, c.vision().patchSize());
        assertEquals(197, c.vision().numPositions());
        assertEquals(24, c.projectionDim());
    }

    @Test
    void badConfigsWeightsAndInputsAreRefusedByName(@TempDir Path tmp) throws Exception {
        Path bad = Files.createDirectories(tmp.resolve("bad"));
        Files.writeString(bad.resolve("config.json"), Files.readString(clip.resolve("config.json"))
                .replace("\"patch_size\" : 8", "\"patch_size\" : 8, \"use_rope\" : true"));
        var unknown = assertThrows(ConfigException.class, () -> ClipConfig.read(bad));
        assertTrue(unknown.getMessage().contains("vision_config.use_rope"), unknown.getMessage());

        Files.writeString(bad.resolve("config.json"), Files.readString(clip.resolve("config.json"))
                .replace("\"model_type\" : \"clip\"", "\"model_type\" : \"siglip\""));
        var type = assertThrows(ConfigException.class, () -> ClipConfig.read(bad));
        assertTrue(type.getMessage().contains("siglip"), type.getMessage());

        // Weights of another size than the config says.
        Files.writeString(bad.resolve("config.json"), Files.readString(clip.resolve("config.json"))
                .replace("\"projection_dim\" : 24", "\"projection_dim\" : 20"));
        Files.copy(clip.resolve("model.safetensors"), bad.resolve("model.safetensors"));
        var shape = assertThrows(WeightsException.class, () -> ClipModel.load(bad, ENGINE));
        assertTrue(shape.getMessage().contains("text_projection.weight"), shape.getMessage());

        try (ClipModel model = ClipModel.load(clip, ENGINE)) {
            var size = assertThrows(IllegalArgumentException.class, () -> model.imageFeatures(Tensor.zeros(1, 3, 64, 64)));
            assertTrue(size.getMessage().contains("(B, 3, 32, 32)") && size.getMessage().contains("[1, 3, 64, 64]"),
                    size.getMessage());
            var tooLong = assertThrows(IllegalArgumentException.class,
                    () -> model.textFeatures(new LongTensor(new int[] {1, 78}, new long[78])));
            assertTrue(tooLong.getMessage().contains("77"), tooLong.getMessage());
            var mismatch = assertThrows(IllegalArgumentException.class,
                    () -> model.logits(Tensor.zeros(1, 24), Tensor.zeros(2, 20)));
            assertTrue(mismatch.getMessage().contains("(B_text, P)"), mismatch.getMessage());
        }
    }
}
