package org.bivdiff.pipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.tensor.Tensor;

/**
 * The UNet with T2I-Adapter features, as diffusers 0.23's StableDiffusionAdapterPipeline uses them: the adapter
 * runs once per run on the (F, C, H, W) adapter image, each feature is multiplied by
 * {@code adapter_conditioning_scale} and repeated for the guidance batch, and every UNet call adds them inside
 * its down blocks ({@code down_intrablock_additional_residuals}).
 */
final class AdapterGuidance {

    private AdapterGuidance() {
    }

    /**
     * The adapter features for a guidance batch of {@code copies} branches.
     *
     * @return per level (copies * F, C_l, h_l, w_l)
     */
    static List<Tensor> features(T2IAdapter adapter, Tensor image, double scale, int copies) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor f : T2IAdapter.scaled(adapter.forward(image), scale)) {
            out.add(Tensors.repeatBatch(f, copies));
        }
        return out;
    }

    /** The UNet fed rows of {@code features} matching the sample's rows. */
    static IntFunction<Guidance.ConditionedModel> fromRow(UNet2DConditionModel unet, List<Tensor> features) {
        return firstRow -> (sample, t, ehs) -> {
            List<Tensor> rows = new ArrayList<>();
            for (Tensor f : features) {
                rows.add(Batching.rows(f, firstRow, sample.dim(0)));
            }
            return unet.forwardWithAdapter(sample, Tensor.full((float) t, 1), ehs, rows);
        };
    }
}
