package org.bivdiff.models.unet2d;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.graph.Engine;
import org.bivdiff.pipelines.StepNoise;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The attention-controlled UNet graph on the tiny SD 1.5 UNet (8 heads, 77 tokens): its layer layout, that an
 * empty edit is the plain UNet, and that the edit rules hold exactly on the returned probabilities.
 */
class AttentionControlUNetTest {

    private static final int HEADS = 8;
    private static final int L = 77;
    private static Engine engine;
    private static UNet2DConditionModel unet;
    private static AttentionControlUNet controlled;

    @BeforeAll
    static void load() throws IOException {
        engine = new Engine(Engine.Options.defaults().withThreads(2));
        unet = UNet2DConditionModel.load(FixtureFolders.model("tiny-sd15/unet"), engine);
        controlled = new AttentionControlUNet(unet);
    }

    @AfterAll
    static void close() {
        controlled.close();
        unet.close();
    }

    @Test
    void layoutListsSelfThenCrossPerTransformerBlockAtEachBlocksSize() {
        List<AttentionLayer> layers = controlled.attentionLayers(32, 32);
        assertEquals(32, layers.size());
        assertEquals(List.of(1024, 1024, 256, 256, 64, 64), queries(layers, AttentionLayer.Place.DOWN));
        assertEquals(List.of(16), queries(layers, AttentionLayer.Place.MID));
        assertEquals(List.of(64, 64, 64, 256, 256, 256, 1024, 1024, 1024), queries(layers, AttentionLayer.Place.UP));
        // odd size: 12 x 20 -> 6 x 10 -> 3 x 5 -> 2 x 3; the up path returns through the skips' sizes
        List<AttentionLayer> odd = controlled.attentionLayers(12, 20);
        assertEquals(List.of(240, 240, 60, 60, 15, 15), queries(odd, AttentionLayer.Place.DOWN));
        assertEquals(List.of(6), queries(odd, AttentionLayer.Place.MID));
        assertEquals(List.of(15, 15, 15, 60, 60, 60, 240, 240, 240), queries(odd, AttentionLayer.Place.UP));
    }

    @Test
    void anEmptyEditIsThePlainUNet() {
        Tensor sample = StepNoise.seeded(1).draw(0, 4, 4, 16, 16);
        Tensor text = StepNoise.seeded(2).draw(0, 4, L, 32);
        List<AttentionLayer> layers = controlled.attentionLayers(16, 16);
        var plan = new AttentionControlUNet.Plan(16, 16, Set.of(0, 2), Set.of(1));
        var out = controlled.forward(sample, Tensor.full(501f, 1), text, plan, edit(0f, false, identity(), ones()));
        TensorAssert.assertClose(unet.forward(sample, 501, text), out.sample(), 2e-5, 1e-4, "no edit");
        assertArrayEquals(new int[] {2 * HEADS, layers.get(1).queryLength(), L}, out.attentionProbs().get(1).shape());
    }

    @Test
    void fullReplacementCopiesTheMappedSourceAndSelfReplacementTheSource() {
        Tensor sample = StepNoise.seeded(3).draw(0, 4, 4, 16, 16);
        Tensor text = StepNoise.seeded(4).draw(0, 4, L, 32);
        float[] swap = identity();                                                  // tokens 1 and 2 swapped
        swap[L + 1] = 0f;
        swap[2 * L + 2] = 0f;
        swap[L + 2] = 1f;
        swap[2 * L + 1] = 1f;
        // layers 0 / 1: self / cross of the first transformer at 16 x 16 = 256 queries
        var plan = new AttentionControlUNet.Plan(16, 16, Set.of(0), Set.of(0, 1));
        var out = controlled.forward(sample, Tensor.full(251f, 1), text, plan, edit(1f, true, swap, ones()));
        float[] self = out.attentionProbs().get(0).data();
        int half = self.length / 2;
        for (int i = 0; i < half; i++) {
            assertEquals(self[i], self[half + i], 0f, "self-attention copies the source");
        }
        float[] cross = out.attentionProbs().get(1).data();
        int rows = cross.length / L / 2;                                             // heads * queries
        for (int r = 0; r < rows; r++) {
            float sum = 0;
            for (int n = 0; n < L; n++) {
                int mapped = n == 1 ? 2 : n == 2 ? 1 : n;
                assertEquals(cross[r * L + mapped], cross[(rows + r) * L + n], 0f, "row " + r + " token " + n);
                sum += cross[r * L + n];
            }
            assertEquals(1f, sum, 1e-5f, "source probabilities sum to one");
        }
    }

    @Test
    void partialAlphasBlendTheMappedSourceWithTheEditedRowsOwnProbabilities() {
        Tensor sample = StepNoise.seeded(5).draw(0, 4, 4, 16, 16);
        Tensor text = StepNoise.seeded(6).draw(0, 4, L, 32);
        var plan = new AttentionControlUNet.Plan(16, 16, Set.of(), Set.of(1));
        // layer 1 is the first cross-attention: nothing before it is edited, so its unedited rows are those of a
        // run without edit
        float[] before = controlled.forward(sample, Tensor.full(751f, 1), text, plan,
                edit(0f, false, identity(), ones())).attentionProbs().get(1).data();
        float[] alphas = ones();
        alphas[3] = 0f;                                                             // a refine token without source
        float[] after = controlled.forward(sample, Tensor.full(751f, 1), text, plan,
                edit(0.5f, false, identity(), alphas)).attentionProbs().get(1).data();
        int rows = before.length / L / 2;
        for (int r = 0; r < rows; r++) {
            for (int n = 0; n < L; n++) {
                float base = before[r * L + n];
                float rep = before[(rows + r) * L + n];
                float replaced = base * alphas[n] + rep * (1 - alphas[n]);
                assertEquals(replaced * 0.5f + 0.5f * rep, after[(rows + r) * L + n], 1e-7f);
                assertEquals(base, after[r * L + n], 0f, "the source rows are not edited");
            }
        }
    }

    @Test
    void badCallsAreRefused() {
        var plan = new AttentionControlUNet.Plan(16, 16, Set.of(), Set.of());
        var edit = edit(0f, false, identity(), ones());
        assertThrows(IllegalArgumentException.class, () -> controlled.forward(Tensor.zeros(2, 4, 16, 16),
                Tensor.full(1f, 1), Tensor.zeros(2, L, 32), plan, edit));
        assertThrows(IllegalArgumentException.class, () -> controlled.forward(Tensor.zeros(4, 4, 8, 8),
                Tensor.full(1f, 1), Tensor.zeros(4, L, 32), plan, edit));
        assertThrows(IllegalArgumentException.class, () -> controlled.graph(
                new AttentionControlUNet.Plan(16, 16, Set.of(1), Set.of())));              // 1 is a cross layer
        assertThrows(IllegalArgumentException.class, () -> new AttentionControlUNet.Edit(Tensor.zeros(L), false,
                Tensor.zeros(L, L - 1), Tensor.zeros(L)));
    }

    private static List<Integer> queries(List<AttentionLayer> layers, AttentionLayer.Place place) {
        return layers.stream().filter(l -> l.cross() && l.place() == place).map(AttentionLayer::queryLength).toList();
    }

    private static AttentionControlUNet.Edit edit(float alpha, boolean self, float[] mapper, float[] alphas) {
        return new AttentionControlUNet.Edit(Tensor.full(alpha, L), self, Tensor.of(mapper, L, L), Tensor.of(alphas, L));
    }

    private static float[] identity() {
        float[] m = new float[L * L];
        for (int i = 0; i < L; i++) {
            m[i * L + i] = 1f;
        }
        return m;
    }

    private static float[] ones() {
        float[] a = new float[L];
        Arrays.fill(a, 1f);
        return a;
    }
}
