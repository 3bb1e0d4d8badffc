package org.bivdiff.models.vidrd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

import org.bivdiff.conformance.CaseSpec;
import org.bivdiff.conformance.Fixtures;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.models.WeightsException;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.random.RandomWeights;
import org.bivdiff.models.random.TinyModels;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.models.vidrd.VidRDUNet3DConditionModel.Options;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VidRD loaded from a Lightning checkpoint as SDVideoModel.setup loads it: which module each key prefix fills, and
 * the checkpoints it refuses. The golden comparison is the {@code vidrd_unet3d} conformance case.
 */
class VidRDModelTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));

    @TempDir
    static Path dir;
    private static Path base;
    private static Path checkpoint;
    private static Map<String, long[]> state;

    @BeforeAll
    static void standIns() throws IOException {
        checkpoint = TinyModels.vidrd(dir.resolve("checkpoints"), 5);
        base = dir.resolve("checkpoints/stable-diffusion-2-1-base");
        try (Checkpoint c = Checkpoint.openFile(checkpoint)) {
            state = new LinkedHashMap<>();
            for (String k : c.names()) {
                state.put(k, c.info(k).orElseThrow().shape());
            }
        }
    }

    /** The reference's own checkpoint (the fixture's) has exactly the keys and shapes of the architecture. */
    @Test
    void theArchitectureHasTheKeysOfTheReferencesCheckpoint() throws IOException {
        CaseSpec c = CaseSpec.read(Fixtures.root(), "vidrd_unet3d");
        Map<String, long[]> layout = VidRDUNet3DConditionModel.parameterShapes(c.modelPath("unet_2d_base"),
                Options.VIDRD);
        try (Checkpoint ckpt = Checkpoint.openFile(c.modelPath("checkpoint")); Checkpoint unet = ckpt.withPrefix("unet")) {
            assertEquals(layout.keySet(), unet.names());
            for (String k : layout.keySet()) {
                assertArrayEquals(layout.get(k), unet.info(k).orElseThrow().shape(), k);
            }
        }
    }

    @Test
    void loadsTheUNetAndTheFineTunedTextEncoderFromTheCheckpoint() throws IOException {
        VidRDModel vidrd = VidRDModel.fromPretrained(base, checkpoint, Options.VIDRD);
        assertEquals(base.resolve("tokenizer"), vidrd.tokenizer());
        try (VidRDUNet3DConditionModel unet = vidrd.loadUnet(ENGINE)) {
            assertEquals(32, unet.config().crossAttentionDim(), "strictly loaded, every unet.* key used");
        }
        Tensor fineTuned = embed(vidrd);
        try (ClipTextModel own = ClipTextModel.load(base.resolve("text_encoder"), ENGINE)) {
            assertFalse(Arrays.equals(own.forward(ids()).lastHiddenState().data(), fineTuned.data()),
                    "the checkpoint's text_encoder.* weights replace the folder's");
        }
    }

    @Test
    void withoutTextEncoderWeightsTheFoldersOwnAreUsed() throws IOException {
        Path ckpt = write("no-text-encoder", k -> !k.startsWith("text_encoder."), Map.of());
        try (ClipTextModel own = ClipTextModel.load(base.resolve("text_encoder"), ENGINE)) {
            assertArrayEquals(own.forward(ids()).lastHiddenState().data(),
                    embed(VidRDModel.fromPretrained(base, ckpt, Options.VIDRD)).data());
        }
    }

    @Test
    void vaeWeightsAreCheckedAgainstTheFoldersVaeConfig() throws IOException {
        Map<String, long[]> vae = new LinkedHashMap<>();
        AutoencoderKL.parameterShapes(base.resolve("vae")).forEach((k, v) -> vae.put("vae." + k, v));
        Path good = write("with-vae", k -> true, vae);
        try (VidRDUNet3DConditionModel unet = VidRDModel.fromPretrained(base, good, Options.VIDRD).loadUnet(ENGINE)) {
            assertEquals(4, unet.config().inChannels());
        }
        vae.put("vae.decoder.conv_extra.weight", new long[] {4});
        Path bad = write("bad-vae", k -> true, vae);
        var e = assertThrows(WeightsException.class,
                () -> VidRDModel.fromPretrained(base, bad, Options.VIDRD).loadUnet(ENGINE));
        assertTrue(e.getMessage().contains("decoder.conv_extra.weight"), e.getMessage());
    }

    @Test
    void checkpointsWithoutAUNetOrWithOtherModulesAreRefused() throws IOException {
        Path noUnet = write("no-unet", k -> !k.startsWith("unet."), Map.of());
        var missing = assertThrows(WeightsException.class,
                () -> VidRDModel.fromPretrained(base, noUnet, Options.VIDRD).loadUnet(ENGINE));
        assertTrue(missing.getMessage().contains("no unet.* weights") && missing.getMessage().contains("no-unet"),
                missing.getMessage());
        Path clip = write("with-clip", k -> true, Map.of("clip.logit_scale", new long[] {1},
                "clip.text_projection.weight", new long[] {4, 4}));
        var other = assertThrows(WeightsException.class,
                () -> VidRDModel.fromPretrained(base, clip, Options.VIDRD).loadTextEncoder(ENGINE));
        assertTrue(other.getMessage().contains("clip=2"), other.getMessage());
        var notThere = assertThrows(IOException.class, () -> VidRDModel.fromPretrained(base, dir.resolve("none.pth"),
                Options.VIDRD).loadUnet(ENGINE));
        assertTrue(notThere.getMessage().contains("none.pth"), notThere.getMessage());
    }

    /** A Lightning checkpoint with the stand-in's keys that {@code keep} accepts, plus {@code extra}. */
    private static Path write(String name, Predicate<String> keep, Map<String, long[]> extra) throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (keep.test(k)) {
                shapes.put(k, v);
            }
        });
        shapes.putAll(extra);
        Path file = Files.createDirectories(dir.resolve(name)).resolve("ModelT2V.pth");
        RandomWeights.torch(shapes, 9).nestedUnder("state_dict", TinyModels.lightningEntries()).write(file);
        return file;
    }

    private static Tensor embed(VidRDModel vidrd) throws IOException {
        try (ClipTextModel te = vidrd.loadTextEncoder(ENGINE)) {
            return te.forward(ids()).lastHiddenState();
        }
    }

    private static LongTensor ids() {
        long[] ids = new long[77];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % 50;
        }
        return new LongTensor(new int[] {1, 77}, ids);
    }
}
