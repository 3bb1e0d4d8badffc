package org.bivdiff.conformance;

import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.unet2d.ControlNetResiduals;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.tensor.Tensor;

/** Golden cases of the ControlNet and of the UNet fed with its residuals. */
final class ControlNetCases {

    private ControlNetCases() {
    }

    /**
     * {@code controlnet_sd15}: for each scale of {@code args.conditioning_scale}, the residuals
     * ({@code down_res_<NN>_s<scale>}, {@code mid_res_s<scale>}) and the UNet output with them
     * ({@code unet_out_s<scale>}).
     */
    static void controlNet(CaseContext ctx) throws Exception {
        JsonNode args = ctx.spec().args();
        Tensor timestep = Tensor.full((float) args.path("timestep").asDouble(), 1);
        boolean guessMode = args.path("guess_mode").asBoolean(false);
        Tensor sample = ctx.tensor("sample");
        Tensor ehs = ctx.tensor("encoder_hidden_states");
        Tensor cond = ctx.tensor("controlnet_cond");
        try (ControlNetModel controlNet = ControlNetModel.load(ctx.path("model"), ctx.engine());
             UNet2DConditionModel unet = UNet2DConditionModel.load(ctx.path("unet"), ctx.engine())) {
            for (JsonNode scale : args.path("conditioning_scale")) {
                String suffix = "_s" + scale.asText();
                ControlNetResiduals r = controlNet.forward(sample, timestep, ehs, cond, scale.asDouble(), guessMode);
                List<Tensor> down = r.downBlockResSamples();
                for (int i = 0; i < down.size(); i++) {
                    ctx.check(String.format(Locale.ROOT, "down_res_%02d%s", i, suffix), down.get(i));
                }
                ctx.check("mid_res" + suffix, r.midBlockResSample());
                ctx.check("unet_out" + suffix, unet.forwardWithControlNet(sample, timestep, ehs, r));
            }
        }
    }
}
