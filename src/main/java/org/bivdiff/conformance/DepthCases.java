package org.bivdiff.conformance;

import java.util.Map;

import org.bivdiff.graph.Tensor;
import org.bivdiff.models.dpt.DptForDepthEstimation;

/** Golden cases of the DPT-Hybrid depth network, its key mapping and the MiDaS detector around it. */
final class DepthCases {

    private DepthCases() {
    }

    /**
     * {@code dpt_depth}: the predicted depth of three inputs (the trained size, another square size, a non-square
     * one) and, for the first, every intermediate ({@code a_*}).
     */
    static void dptDepth(CaseContext ctx) throws Exception {
        try (DptForDepthEstimation dpt = DptForDepthEstimation.load(ctx.path("model"), ctx.engine())) {
            Map<String, Tensor> a = dpt.trace(ctx.tensor("pixel_values_a"));
            ctx.check("predicted_depth_a", a.get("predicted_depth"));
            for (Map.Entry<String, Tensor> e : a.entrySet()) {
                if (!e.getKey().equals("predicted_depth")) {
                    ctx.check("a_" + e.getKey(), e.getValue());
                }
            }
            ctx.check("predicted_depth_b", dpt.predictDepth(ctx.tensor("pixel_values_b")));
            ctx.check("predicted_depth_c", dpt.predictDepth(ctx.tensor("pixel_values_c")));
        }
    }
}
