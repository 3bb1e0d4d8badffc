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

import org.bivdiff.cli.config.OfficialConfigFiles;
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

    @Test
    void prompt2PromptWithVidRDRunsEndToEnd(@TempDir Path dir) throws Exception {
        Path checkpoints = dir.resolve("checkpoints");
        TinyModels.stableDiffusion(checkpoints.resolve("stable-diffusion-v1-5"), 1);
        Path ckpt = TinyModels.vidrd(checkpoints, 2);
        Path clip = Files.createDirectories(dir.resolve("data")).resolve("car-turn.mp4");
        VideoWriter.write(DemoCommand.movingShapes(16, 64, 64), clip, 8);
        Path config = Files.writeString(dir.resolve("video_editing_with_prompt2prompt_and_vidrd.yaml"),
                OfficialConfigFiles.PROMPT2PROMPT_AND_VIDRD);
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
