package org.bivdiff.pipelines.p2p;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bivdiff.tensor.Tensor;

/**
 * Port of BIVDiff models/Prompt2Prompt/pipeline_prompt2prompt.py::AttentionStore for the layers a run keeps:
 * each layer's attention probabilities summed over the UNet calls so far ({@code between_steps} adds in
 * float32; nothing is averaged). The maps are those of the conditional half after the edit, as the reference
 * stores views that its in-place edit then changes.
 */
final class AttentionStore {

    private final Map<Integer, Tensor> sums = new LinkedHashMap<>();

    /** Adds one UNet call's maps: (2 * heads, S, L) per layer index. */
    void add(Map<Integer, Tensor> step) {
        if (!sums.isEmpty() && !sums.keySet().equals(step.keySet())) {
            throw new IllegalArgumentException("a UNet call returned maps of layers " + step.keySet() + ", the store"
                    + " holds " + sums.keySet());
        }
        step.forEach((layer, map) -> sums.merge(layer, map, AttentionStore::plus));
    }

    /** The summed maps of {@code layers}, in that order. */
    List<Tensor> maps(List<Integer> layers) {
        List<Tensor> out = new ArrayList<>();
        for (int layer : layers) {
            Tensor t = sums.get(layer);
            if (t == null) {
                throw new IllegalStateException("the attention store holds no map of layer " + layer);
            }
            out.add(t);
        }
        return out;
    }

    private static Tensor plus(Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("cannot add attention maps " + a + " and " + b);
        }
        float[] x = a.data();
        float[] y = b.data();
        float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = x[i] + y[i];
        }
        return new Tensor(a.shape(), out);
    }
}
