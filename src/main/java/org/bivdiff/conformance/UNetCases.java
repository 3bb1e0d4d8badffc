package org.bivdiff.conformance;

import com.fasterxml.jackson.databind.JsonNode;

import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel.FrameNorm;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.models.unet3d.UNet3DConditionModel;
import org.bivdiff.tensor.Tensor;

/** Golden cases of the image UNet (SD 1.5, SD 2.1, InstructPix2Pix, inpainting, odd latent sizes). */
final class UNetCases {

    private UNetCases() {
    }

    /**
     * {@code unet2d_*}: the UNet at each scalar timestep of {@code args.timesteps} (outputs
     * {@code out_t<t>}) and with the per-sample vector {@code timesteps_vec} ({@code out_tvec}).
     */
    static void unet2d(CaseContext ctx) throws Exception {
        try (UNet2DConditionModel unet = UNet2DConditionModel.load(ctx.path("model"), ctx.engine())) {
            Tensor sample = ctx.tensor("sample");
            Tensor ehs = ctx.tensor("encoder_hidden_states");
            for (JsonNode t : ctx.spec().args().path("timesteps")) {
                ctx.check("out_t" + t.asText(), unet.forward(sample, t.asDouble(), ehs));
            }
            if (ctx.spec().args().has("timesteps_vec")) {
                ctx.check("out_tvec", unet.forward(sample, ctx.tensor("timesteps_vec"), ehs));
            }
        }
    }

    /**
     * {@code unet_inflated_sd15}: BIVDiff's inflated SD UNet on a video at each timestep of
     * {@code args.timesteps} ({@code out_t<t>}), and the 2D UNet frame by frame
     * ({@code out_2d_per_frame_t<t>}).
     */
    static void inflated(CaseContext ctx) throws Exception {
        Tensor sample = ctx.tensor("sample");
        int frames = ctx.spec().args().path("num_frames").asInt();
        if (sample.rank() != 5 || sample.dim(2) != frames) {
            throw new IllegalStateException("sample " + sample + " does not have args.num_frames = " + frames);
        }
        Tensor ehs = ctx.tensor("encoder_hidden_states");
        try (InflatedUNet3DConditionModel unet = InflatedUNet3DConditionModel.load(ctx.path("model"), ctx.engine())) {
            for (JsonNode t : ctx.spec().args().path("timesteps")) {
                ctx.check("out_t" + t.asText(), unet.forward(sample, t.asDouble(), ehs, FrameNorm.ACROSS_FRAMES));
                ctx.check("out_2d_per_frame_t" + t.asText(), unet.forward(sample, t.asDouble(), ehs,
                        FrameNorm.PER_FRAME));
            }
        }
    }

    /** {@code unet3d}: the text-to-video UNet on a video at each timestep of {@code args.timesteps} ({@code out_t<t>}). */
    static void unet3d(CaseContext ctx) throws Exception {
        Tensor sample = ctx.tensor("sample");
        int frames = ctx.spec().args().path("num_frames").asInt();
        if (sample.rank() != 5 || sample.dim(2) != frames) {
            throw new IllegalStateException("sample " + sample + " does not have args.num_frames = " + frames);
        }
        Tensor ehs = ctx.tensor("encoder_hidden_states");
        try (UNet3DConditionModel unet = UNet3DConditionModel.load(ctx.path("model"), ctx.engine())) {
            for (JsonNode t : ctx.spec().args().path("timesteps")) {
                ctx.check("out_t" + t.asText(), unet.forward(sample, t.asDouble(), ehs));
            }
        }
    }
}
