package org.bivdiff.models.unet2d;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bivdiff.tensor.Tensor;

/**
 * What a ControlNet hands the UNet: one residual per skip connection of the down path and one for
 * the mid block (diffusers' {@code down_block_additional_residuals} /
 * {@code mid_block_additional_residual}), already multiplied by the conditioning scale.
 *
 * @param downBlockResSamples (N, C_i, H_i, W_i) per skip connection, conv_in's first
 * @param midBlockResSample   (N, C_last, H_last, W_last)
 */
public record ControlNetResiduals(List<Tensor> downBlockResSamples, Tensor midBlockResSample) {

    public ControlNetResiduals {
        downBlockResSamples = List.copyOf(downBlockResSamples);
    }

    /**
     * Multi-ControlNet: the element-wise sum of several ControlNets' residuals, as diffusers'
     * MultiControlNetModel does.
     */
    public static ControlNetResiduals sum(List<ControlNetResiduals> all) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no ControlNet residuals to sum");
        }
        ControlNetResiduals acc = all.getFirst();
        for (ControlNetResiduals r : all.subList(1, all.size())) {
            if (r.downBlockResSamples.size() != acc.downBlockResSamples.size()) {
                throw new IllegalArgumentException("ControlNets disagree on the number of residuals: "
                        + acc.downBlockResSamples.size() + " and " + r.downBlockResSamples.size());
            }
            List<Tensor> down = new ArrayList<>();
            for (int i = 0; i < r.downBlockResSamples.size(); i++) {
                down.add(add(acc.downBlockResSamples.get(i), r.downBlockResSamples.get(i)));
            }
            acc = new ControlNetResiduals(down, add(acc.midBlockResSample, r.midBlockResSample));
        }
        return acc;
    }

    private static Tensor add(Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("cannot add ControlNet residuals of shapes " + Arrays.toString(a.shape())
                    + " and " + Arrays.toString(b.shape()));
        }
        float[] x = a.data();
        float[] y = b.data();
        float[] s = new float[x.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = x[i] + y[i];
        }
        return new Tensor(a.shape(), s);
    }
}
