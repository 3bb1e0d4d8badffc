package org.bivdiff.conformance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import org.bivdiff.bivdiff.VideoLatents;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.vidrd.VidRDModel;
import org.bivdiff.models.vidrd.VidRDUNet3DConditionModel;
import org.bivdiff.models.vidrd.VidRDUNet3DConditionModel.Options;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;

/** Golden cases of VidRD, BIVDiff's own video model ({@code vidrd_unet3d}; the chain is in {@link BivdiffCases}). */
final class VidRDCases {

    /** {@code from_pretrained_2d(name, name=True, ...)} in a model description. */
    private static final Pattern FROM_PRETRAINED_2D = Pattern.compile("from_pretrained_2d\\(([^)]*)\\)");

    private VidRDCases() {
    }

    /**
     * {@code vidrd_unet3d}: the UNet built by {@code from_pretrained_2d(args.from_pretrained_2d_kwargs)} and loaded
     * from the checkpoint, at {@code args.timesteps[i]} ({@code out_timestep_a}, {@code _b}, ...) and on the first
     * frame alone at the first timestep ({@code out_single_frame}); the checkpoint's text encoder on the tokens of
     * {@code args.prompt} ({@code text_embeds}), which must be the case's {@code input_ids}.
     */
    static void unet3d(CaseContext ctx) throws Exception {
        CaseSpec spec = ctx.spec();
        JsonNode a = spec.args();
        VidRDModel vidrd = new VidRDModel(spec.modelPath("unet_2d_base"), spec.modelPath("text_encoder_base"),
                spec.modelPath("tokenizer"), null, spec.modelPath("checkpoint"),
                Options.fromPretrained2dKwargs(kwargs(a.path("from_pretrained_2d_kwargs"))));
        Tensor sample = ctx.tensor("sample");
        int frames = a.path("num_frames").asInt();
        if (sample.rank() != 5 || sample.dim(0) != 1 || sample.dim(2) != frames) {
            throw new IllegalStateException("sample " + sample + " is not one video of args.num_frames = " + frames);
        }
        Tensor ehs = ctx.tensor("encoder_hidden_states");
        JsonNode timesteps = a.path("timesteps");
        try (VidRDUNet3DConditionModel unet = vidrd.loadUnet(ctx.engine())) {
            for (int i = 0; i < timesteps.size(); i++) {
                ctx.check("out_timestep_" + (char) ('a' + i), unet.forward(sample, timesteps.get(i).asDouble(), ehs));
            }
            Tensor firstFrame = VideoLatents.toVideo(VideoLatents.toFrames(sample).slice0(0, 1), 1); // (1, C, 1, h, w)
            ctx.check("out_single_frame", unet.forward(firstFrame, timesteps.get(0).asDouble(), ehs));
        }
        LongTensor ids = TextEncoderCases.toLong(ctx.tensor("input_ids"));
        long[] tokens = ClipTokenizer.load(vidrd.tokenizer()).encode(a.path("prompt").asText()).inputIdsAsLong();
        if (!Arrays.equals(tokens, ids.data())) {
            throw new IllegalStateException("input_ids differ from the tokens of args.prompt: " + Arrays.toString(tokens));
        }
        try (ClipTextModel textEncoder = vidrd.loadTextEncoder(ctx.engine())) {
            ctx.check("text_embeds", textEncoder.forward(ids).lastHiddenState());
        }
    }

    /**
     * The VidRD of a chain case, from its model descriptions: {@code video_unet} names the 2D UNet folder, the
     * checkpoint file and the {@code from_pretrained_2d(...)} arguments set; {@code video_text_encoder} the text
     * encoder folder whose config the checkpoint's weights fill; {@code video_tokenizer} the tokenizer.
     */
    static VidRDModel chainVideoModel(CaseSpec spec) {
        List<Path> unetPaths = spec.mentionedModelPaths("video_unet");
        Path unet = unetPaths.stream().filter(Files::isDirectory).findFirst().orElseThrow(() ->
                new IllegalStateException("models.video_unet names no UNet folder: " + unetPaths));
        Path checkpoint = unetPaths.stream().filter(Files::isRegularFile).findFirst().orElseThrow(() ->
                new IllegalStateException("models.video_unet names no checkpoint file: " + unetPaths));
        Path textEncoder = spec.mentionedModelPaths("video_text_encoder").stream().filter(Files::isDirectory)
                .findFirst().orElseThrow(() -> new IllegalStateException("models.video_text_encoder names no folder"));
        Matcher m = FROM_PRETRAINED_2D.matcher(spec.json().path("models").path("video_unet").asText());
        if (!m.find()) {
            throw new IllegalStateException("models.video_unet does not say how from_pretrained_2d is called");
        }
        Map<String, Boolean> kwargs = new LinkedHashMap<>();
        for (String arg : m.group(1).split(",")) {
            String[] kv = arg.trim().split("=");
            kwargs.put(kv[0].trim(), kv.length == 1 || Boolean.parseBoolean(kv[1].trim().toLowerCase()));
        }
        return new VidRDModel(unet, textEncoder, spec.modelPath("video_tokenizer"), null, checkpoint,
                Options.fromPretrained2dKwargs(kwargs));
    }

    private static Map<String, Boolean> kwargs(JsonNode node) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asBoolean()));
        return out;
    }
}
