package org.bivdiff.pipelines.p2p;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.unet2d.AttentionLayer;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LocalBlend's word maps, mask and blend on hand-made attention maps; the store's sums; the layer choice. */
class LocalBlendTest {

    private static final int TOKENS = 77;
    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = ClipTokenizer.load(Fixtures.root().resolve("models/tiny-sd15/tokenizer"));
    }

    private static LocalBlend blend(double threshold) {
        return new LocalBlend(tokenizer, List.of("a cat sitting", "a dog sitting"), List.of("cat", "dog"), threshold,
                TOKENS);
    }

    @Test
    void alphaLayersMarkEachPromptsWordTokens() {
        Tensor a = new LocalBlend(tokenizer, List.of("a cat sitting", "a schnauzer sitting"),
                List.of("cat", "schnauzer"), 0.3, TOKENS).alphaLayers();
        assertArrayEquals(new int[] {2, 1, 1, 1, 1, TOKENS}, a.shape());
        float[] want = new float[2 * TOKENS];
        want[2] = 1f;
        want[TOKENS + 2] = 1f;
        want[TOKENS + 3] = 1f;
        assertArrayEquals(want, a.data());
    }

    @Test
    void mapsAreTheReferencesDownCrossTwoToFourAndUpCrossFirstThreeAmongStoredLayers() {
        // SD 1.5 at 512 x 512 (64 x 64 latents): down cross Q = 4096 x2 (not stored), 1024 x2, 256 x2; up 256 x3, ...
        List<AttentionLayer> layers = sd15At512();
        // cross layers sit at odd indices: down 1,3 | 5,7 | 9,11; mid 13; up 15,17,19 | ...
        assertEquals(List.of(9, 11, 15, 17, 19), LocalBlend.mapLayers(layers));
    }

    @Test
    void layoutCheckAcceptsSd15At512AndNamesTheLayerItCannotView() {
        LocalBlend.checkLayout(sd15At512());
        // 8 heads x 144 queries (a 12 x 12 level) is not a whole number of 16 x 16 planes.
        List<AttentionLayer> odd = new ArrayList<>();
        for (int q : new int[] {576, 144}) {
            addPair(odd, AttentionLayer.Place.DOWN, q, 2);
        }
        addPair(odd, AttentionLayer.Place.UP, 144, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> LocalBlend.checkLayout(odd));
        assertTrue(e.getMessage().contains("layer 5 (8 heads x 144 queries)"), e.getMessage());
        var none = assertThrows(IllegalArgumentException.class, () -> LocalBlend.checkLayout(List.of(
                new AttentionLayer(AttentionLayer.Place.DOWN, true, 4096, 8))));
        assertTrue(none.getMessage().contains("has none at this size"), none.getMessage());
    }

    @Test
    void maskKeepsTheEditedRowWhereEitherWordAttendsAndTheSourceElsewhere() {
        // one head, Q = 256: the literal (2, -1, 1, 16, 16, 77) view is the map itself
        float[] map = new float[2 * 256 * TOKENS];
        for (int p = 0; p < 256; p++) {
            map[p * TOKENS + 2] = 0.1f;                                              // source "cat"
            map[(256 + p) * TOKENS + 2] = 0.1f;                                      // edited "dog"
            map[p * TOKENS + 5] = 9f;                                                // other tokens do not count
        }
        map[0 * TOKENS + 2] = 1f;                                                     // cat at pixel (0, 0)
        map[(256 + 255) * TOKENS + 2] = 1f;                                           // dog at pixel (15, 15)
        Tensor latents = new Tensor(new int[] {2, 4, 32, 32}, latentRows(32 * 32, 1f, 3f));
        LocalBlend.Step step = blend(0.5).apply(latents, List.of(Tensor.of(map, 2, 256, TOKENS)));
        // max pool spreads each peak over a 2 x 2 corner, nearest resize to 4 x 4 latent pixels
        for (int i = 0; i < 32; i++) {
            for (int j = 0; j < 32; j++) {
                boolean cat = i < 4 && j < 4;
                boolean dog = i >= 28 && j >= 28;
                assertEquals(cat ? 1f : 0.1f, step.maps().data()[i * 32 + j], 1e-7, "source map " + i + "," + j);
                assertEquals(dog ? 1f : 0.1f, step.maps().data()[1024 + i * 32 + j], 1e-7, "edited map");
                assertEquals(cat || dog ? 1f : 0f, step.mask().data()[i * 32 + j]);
                for (int c = 0; c < 4; c++) {
                    assertEquals(1f, step.latents().data()[(c * 32 + i) * 32 + j]);
                    assertEquals(cat || dog ? 3f : 1f, step.latents().data()[((4 + c) * 32 + i) * 32 + j]);
                }
            }
        }
    }

    @Test
    void mapsOfOtherSizesAreRegroupedLiterallyAndAveraged() {
        // (2 * 4 heads, 64, 77) views as (2, 1, 1, 16, 16, 77): per prompt the four heads' 64 positions in order
        float[] map = new float[8 * 64 * TOKENS];
        for (int head = 0; head < 8; head++) {
            for (int q = 0; q < 64; q++) {
                map[(head * 64 + q) * TOKENS + 2] = head < 4 ? head * 64 + q : 1f;
            }
        }
        Tensor latents = new Tensor(new int[] {2, 4, 16, 16}, latentRows(16 * 16, 0f, 1f));
        LocalBlend.Step one = blend(2.0).apply(latents, List.of(Tensor.of(map, 8, 64, TOKENS)));
        LocalBlend.Step twice = blend(2.0).apply(latents, List.of(Tensor.of(map, 8, 64, TOKENS),
                Tensor.of(map, 8, 64, TOKENS)));
        TensorAssert.assertExact(one.maps(), twice.maps(), "mean of two equal maps");
        // source: value v at flat position v of the 16 x 16 plane; after the 3 x 3 max pool pixel (i, j) holds
        // the value of (min(i + 1, 15), min(j + 1, 15)), divided by the maximum 255
        for (int i = 0; i < 16; i++) {
            for (int j = 0; j < 16; j++) {
                float want = (Math.min(i + 1, 15) * 16 + Math.min(j + 1, 15)) / 255f;
                assertEquals(want, one.maps().data()[i * 16 + j], 1e-7);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> blend(0.3).apply(latents, List.of(new Tensor(new int[] {2, 16, TOKENS},
                        new float[2 * 16 * TOKENS]))));
    }

    @Test
    void storeSumsEachLayerOverCalls() {
        AttentionStore store = new AttentionStore();
        store.add(Map.of(3, Tensor.of(new float[] {1, 2}, 1, 2), 7, Tensor.of(new float[] {5}, 1, 1)));
        store.add(Map.of(3, Tensor.of(new float[] {0.5f, 0.25f}, 1, 2), 7, Tensor.of(new float[] {1}, 1, 1)));
        List<Tensor> maps = store.maps(List.of(7, 3));
        assertArrayEquals(new float[] {6}, maps.get(0).data());
        assertArrayEquals(new float[] {1.5f, 2.25f}, maps.get(1).data());
        assertThrows(IllegalArgumentException.class, () -> store.add(Map.of(3, Tensor.of(new float[] {1, 2}, 1, 2))));
        assertThrows(IllegalStateException.class, () -> store.maps(List.of(4)));
    }

    /** SD 1.5's attention layers at 64 x 64 latents, 8 heads each. */
    private static List<AttentionLayer> sd15At512() {
        List<AttentionLayer> layers = new ArrayList<>();
        for (int q : new int[] {4096, 1024, 256}) {
            addPair(layers, AttentionLayer.Place.DOWN, q, 2);
        }
        addPair(layers, AttentionLayer.Place.MID, 64, 1);
        for (int q : new int[] {256, 1024, 4096}) {
            addPair(layers, AttentionLayer.Place.UP, q, 3);
        }
        return layers;
    }

    private static void addPair(List<AttentionLayer> layers, AttentionLayer.Place place, int q, int times) {
        for (int i = 0; i < times; i++) {
            layers.add(new AttentionLayer(place, false, q, 8));
            layers.add(new AttentionLayer(place, true, q, 8));
        }
    }

    /** (2, 4, h, w) latents of {@code pixels} = h * w: row 0 all {@code source}, row 1 all {@code edited}. */
    private static float[] latentRows(int pixels, float source, float edited) {
        int row = 4 * pixels;
        float[] d = new float[2 * row];
        Arrays.fill(d, 0, row, source);
        Arrays.fill(d, row, 2 * row, edited);
        return d;
    }
}
