package org.bivdiff.conformance;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.tensor.Tensor;

/** Golden cases of the T2I-Adapter and of the UNet fed with its features. */
final class AdapterCases {

    private AdapterCases() {
    }

    /**
     * {@code t2i_adapter_sd15}: the features ({@code adapter_feature_<i>}) and the UNet output with
     * them scaled by {@code args.adapter_conditioning_scale} ({@code unet_out}).
     */
    static void t2iAdapter(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        Tensor sample = ctx.tensor("sample");
        Tensor ehs = ctx.tensor("encoder_hidden_states");
        try (T2IAdapter adapter = T2IAdapter.load(ctx.path("model"), ctx.engine());
             UNet2DConditionModel unet = UNet2DConditionModel.load(ctx.path("unet"), ctx.engine())) {
            List<Tensor> features = adapter.forward(ctx.tensor("adapter_image"));
            for (int i = 0; i < features.size(); i++) {
                ctx.check("adapter_feature_" + i, features.get(i));
            }
            List<Tensor> scaled = T2IAdapter.scaled(features, args.path("adapter_conditioning_scale").asDouble());
            Tensor timestep = Tensor.full((float) args.path("timestep").asDouble(), 1);
            ctx.check("unet_out", unet.forwardWithAdapter(sample, timestep, ehs, scaled));
        }
    }
}
