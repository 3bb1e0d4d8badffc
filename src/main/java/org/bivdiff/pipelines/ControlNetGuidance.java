package org.bivdiff.pipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.unet2d.ControlNetResiduals;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.tensor.Tensor;

/**
 * The UNet with ControlNet residuals, as diffusers 0.23's StableDiffusionControlNetPipeline calls it (guess mode
 * off): at step i each ControlNet k sees the same sample, timestep and text states as the UNet plus its
 * conditioning image (batched like the sample), with scale {@code conditioning_scale_k * keep_k(i)}; several
 * ControlNets' residuals are summed (MultiControlNetModel). A ControlNet whose scale is 0 at a step is not run:
 * its residuals would be zeros.
 */
final class ControlNetGuidance {

    private ControlNetGuidance() {
    }

    /**
     * @param controls  one per ControlNet, images already repeated for the guidance batch (rows as the sample)
     * @param timesteps the loop's timesteps, to find the step index of a call
     */
    static IntFunction<Guidance.ConditionedModel> fromRow(UNet2DConditionModel unet,
                                                          List<ControlNetModel> controlNets,
                                                          List<ControlImage> controls, double[] timesteps) {
        if (controlNets.size() != controls.size()) {
            throw new IllegalArgumentException(controlNets.size() + " ControlNets but " + controls.size()
                    + " control images");
        }
        return firstRow -> (sample, t, ehs) -> {
            int step = Guidance.stepIndex(timesteps, t);
            Tensor timestep = Tensor.full((float) t, 1);
            List<ControlNetResiduals> residuals = new ArrayList<>();
            for (int k = 0; k < controlNets.size(); k++) {
                ControlImage c = controls.get(k);
                double scale = c.conditioningScale() * c.keep(step, timesteps.length);
                if (scale != 0) {
                    Tensor cond = Batching.rows(c.image(), firstRow, sample.dim(0));
                    residuals.add(controlNets.get(k).forward(sample, timestep, ehs, cond, scale, false));
                }
            }
            return residuals.isEmpty() ? unet.forward(sample, timestep, ehs)
                    : unet.forwardWithControlNet(sample, timestep, ehs, ControlNetResiduals.sum(residuals));
        };
    }
}
