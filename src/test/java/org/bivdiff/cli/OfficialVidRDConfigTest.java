package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bivdiff.media.VideoReader;
import org.bivdiff.media.VideoWriter;
import org.bivdiff.models.random.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bivdiff run} on one of BIVDiff's official VidRD configs as it is, over tiny random stand-ins in the
 * official checkpoints layout: {@code stable-diffusion-v1-5/}, {@code stable-diffusion-2-1-base/} (its UNet weights
 * as a PyTorch {@code .bin}) and {@code VidRD/ModelT2V.pth} (a PyTorch Lightning checkpoint written by our own
 * torch.save writer). Only the size, length and step count are overridden, to keep it fast.
 */
class OfficialVidRDConfigTest {

    /** BIVDiff's configs/video_editing_with_prompt2prompt_and_vidrd.yaml, verbatim. */
    private static final String PROMPT2PROMPT_AND_VIDRD = """
            hydra:
              output_subdir: null
              run:
                dir: .

            VDM:
              VidRD:
                _target_: models.ReuseAndDiffuse.model.SDVideoModel
                pretrained_model_path: "./checkpoints/stable-diffusion-2-1-base/"
                ckpt_path: "./checkpoints/VidRD/ModelT2V.pth"
                guidance_scale: 7.5
                num_inference_steps: 50
                resolution: 256
                add_temp_embed: true
                add_temp_conv: true

            IDM:
              Prompt2Prompt:
                mixing_ratio: 0.25
                controller_type: "AttentionRefine" # ["AttentionReplace", "AttentionRefine"]
                # 1. Case without local blend
                prompts: ["A car is moving on the road", "A car is moving on the road in the forest"] # The first is orignial prompt, and the second is the edited prompt
                local_blend_words: []
                # 2. Case with local blend
            #    prompts: [ "A car is moving on the road", "A white car is moving on the road" ]
            #    local_blend_words: ["car", "car"]


            MixedInversion:
              idm: "SD-v15"
              pretrained_model_path: "./checkpoints/stable-diffusion-v1-5"
              # mixing_ratio: 1.0 for ControlNet and InstructPix2Pix, 0.25 for Prompt2Prompt, 0.1 for StableDiffusion-Inpainting


            Model:
              idm: "Prompt2Prompt"
              vdm: "VidRD"
              # 1. Case without local blend
              idm_prompt : "A car is moving on the road"
              vdm_prompt : "A car is moving on the road in the forest"
              # 2. Case with local blend
            #  idm_prompt : "A car is moving on the road"
            #  vdm_prompt : "A white car is moving on the road"
              video_path: "./data/car-turn.mp4"
              output_path: "./outputs/"
              video_length: 8
              width: 512
              height: 512
              frame_rate: 4
              seed: 42
              guidance_scale: 7.5
              num_inference_steps: 50
            """;

    @Test
    void prompt2PromptWithVidRDRunsEndToEnd(@TempDir Path dir) throws Exception {
        Path checkpoints = dir.resolve("checkpoints");
        TinyModels.stableDiffusion(checkpoints.resolve("stable-diffusion-v1-5"), 1);
        Path ckpt = TinyModels.vidrd(checkpoints, 2);
        Path clip = Files.createDirectories(dir.resolve("data")).resolve("car-turn.mp4");
        VideoWriter.write(DemoCommand.movingShapes(16, 64, 64), clip, 8);
        Path config = Files.writeString(dir.resolve("video_editing_with_prompt2prompt_and_vidrd.yaml"),
                PROMPT2PROMPT_AND_VIDRD);
        Path out = dir.resolve("outputs");
        var stdout = new ByteArrayOutputStream();
        var stderr = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"run", config.toString(), "--checkpoints", checkpoints.toString(),
            "--set", "Model.video_path=" + clip, "--set", "Model.output_path=" + out, "--set", "Model.video_length=4",
            "--set", "Model.width=32", "--set", "Model.height=32", "--set", "Model.num_inference_steps=2",
            "--threads", "2"}, new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        assertEquals(0, code, stderr.toString(StandardCharsets.UTF_8));
        var video = VideoReader.probe(out.resolve("video_by_bivdiff.mp4"));
        assertEquals(4, video.frameCount());
        assertEquals(32, video.width());
        assertTrue(Files.size(out.resolve("video_by_idm.gif")) > 0);
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals("complete", run.get("status").asText());
        JsonNode models = run.get("config").get("models");
        assertEquals(checkpoints.resolve("stable-diffusion-2-1-base").toString(), models.get("video").asText());
        assertEquals(ckpt.toString(), models.get("vidrdCheckpoint").asText());
        assertEquals(0.25, run.get("config").get("mixingRatio").asDouble(), "both models invert");
    }
}
