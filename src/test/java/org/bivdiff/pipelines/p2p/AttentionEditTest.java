package org.bivdiff.pipelines.p2p;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.unet2d.AttentionControlUNet;
import org.bivdiff.models.unet2d.AttentionLayer;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Prompt-to-Prompt controller's tables: replacement weights per UNet call, self-replace window, mappers. */
class AttentionEditTest {

    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = ClipTokenizer.load(Fixtures.root().resolve("models/tiny-sd15/tokenizer"));
    }

    @Test
    void crossReplaceAlphaIsOneForTheFirstIntFractionTimesStepsPlusOneRows() {
        // 4 steps: int(0.4 * 5) = 2 rows of 5
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                AttentionEdit.crossReplaceAlpha(4, 0.4, 3));
        // 50 steps: int(0.4 * 51) = int(20.400000000000002) = 20 rows of 51
        float[] fifty = AttentionEdit.crossReplaceAlpha(50, 0.4, 1);
        assertEquals(51, fifty.length);
        for (int r = 0; r < 51; r++) {
            assertEquals(r < 20 ? 1f : 0f, fifty[r], "row " + r);
        }
        assertArrayEquals(new float[] {0, 0, 0}, AttentionEdit.crossReplaceAlpha(2, 0.0, 1));
        assertArrayEquals(new float[] {1, 1, 1}, AttentionEdit.crossReplaceAlpha(2, 1.0, 1));
    }

    @Test
    void replaceEditPerCall() {
        AttentionEdit edit = AttentionEdit.create(tokenizer, "a cat sitting on a mat", "a dog sitting on a mat",
                AttentionEdit.Type.REPLACE, 4, 0.4, 0.4, 77);
        assertArrayEquals(new int[] {0, 1}, edit.numSelfReplace());            // int(4 * 0.4) = 1
        assertArrayEquals(new int[] {5, 1, 1, 1, 77}, edit.crossReplaceAlpha().shape());
        AttentionControlUNet.Edit first = edit.at(0);
        assertTrue(first.replaceSelf());
        assertEquals(1f, first.crossReplaceAlpha().data()[76]);
        AttentionControlUNet.Edit third = edit.at(2);
        assertFalse(third.replaceSelf());
        assertEquals(0f, third.crossReplaceAlpha().data()[0]);
        edit.at(4);                                                             // PNDM's fifth call: the last row
        assertThrows(IllegalStateException.class, () -> edit.at(5));
        // one-token words swap: the mapper is the identity, every token takes all of the mapped source
        Tensor mapper = edit.replaceMapper();
        assertArrayEquals(new int[] {1, 77, 77}, mapper.shape());
        for (int r = 0; r < 77; r++) {
            for (int c = 0; c < 77; c++) {
                assertEquals(r == c ? 1f : 0f, mapper.data()[r * 77 + c]);
            }
        }
        assertArrayEquals(ones(77), first.mapperAlphas().data());
        assertThrows(IllegalStateException.class, edit::refineMapper);
    }

    @Test
    void refineEditGathersAlignedSourceTokensAndTheLastTokenForAddedOnes() {
        AttentionEdit edit = AttentionEdit.create(tokenizer, "A car is moving", "A white car is moving",
                AttentionEdit.Type.REFINE, 10, 0.4, 0.2, 77);
        assertArrayEquals(new int[] {0, 2}, edit.numSelfReplace());            // int(10 * 0.2) = 2
        float[] mapper = edit.refineMapper().data();
        assertArrayEquals(new float[] {0, 1, -1, 2, 3, 4, 5, 7}, Arrays.copyOf(mapper, 8));
        float[] alphas = edit.refineAlphas().data();
        assertEquals(0f, alphas[2]);
        assertEquals(1f, alphas[3]);
        // as a matrix: column n is one at row mapper[n], and -1 is Python's last index
        float[] m = edit.at(0).mapper().data();
        assertEquals(1f, m[76 * 77 + 2]);
        assertEquals(1f, m[2 * 77 + 3]);
        assertEquals(1f, m[40 * 77 + 40]);
        float total = 0;
        for (float v : m) {
            total += v;
        }
        assertEquals(77f, total);
    }

    @Test
    void selfReplacementOnlyAtSelfLayersOfAtMost256Queries() {
        List<AttentionLayer> layers = new ArrayList<>();
        for (int q : new int[] {1024, 256, 64}) {
            layers.add(new AttentionLayer(AttentionLayer.Place.DOWN, false, q, 8));
            layers.add(new AttentionLayer(AttentionLayer.Place.DOWN, true, q, 8));
        }
        assertEquals(Set.of(2, 4), AttentionEdit.selfReplacedLayers(layers));
    }

    @Test
    void badFractionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> AttentionEdit.create(tokenizer, "a cat", "a dog",
                AttentionEdit.Type.REPLACE, 4, 1.5, 0.4, 77));
        assertThrows(IllegalArgumentException.class, () -> AttentionEdit.create(tokenizer, "a cat", "a dog",
                AttentionEdit.Type.REPLACE, 0, 0.4, 0.4, 77));
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }
}
