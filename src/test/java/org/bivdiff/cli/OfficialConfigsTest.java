package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bivdiff.cli.config.OfficialConfigFiles;
import org.bivdiff.cli.config.RunConfig;
import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.graph.Engine;
import org.bivdiff.media.Image8;
import org.bivdiff.media.VideoReader;
import org.bivdiff.media.VideoWriter;
import org.bivdiff.models.random.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each of BIVDiff's eight official {@code configs/*.yaml} end to end on tiny random-weight stand-ins in the
 * official {@code ./checkpoints} layout (2 frames of 32 x 32, 1 step, set with {@code --set} on the config's own
 * keys). The configs are written with the sections and keys of the originals ({@link OfficialConfigFiles}).
 *
 * <p>Six of them name VidRD as the video model: its stand-in is {@code stable-diffusion-2-1-base/} (UNet weights as a
 * PyTorch {@code .bin}) and a PyTorch Lightning {@code VidRD/ModelT2V.pth} written by our own torch.save writer. The
 * two depth configs (ControlNet and T2I-Adapter, both VidRD) compute MiDaS depth with the DPT network.
 */
class OfficialConfigsTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));

    @TempDir
    static Path root;
    private static Path checkpoints;
    private static Path clip;
    private static Path maskClip;

    @BeforeAll
    static void standIns() throws Exception {
        checkpoints = root.resolve("checkpoints");
        TinyModels.stableDiffusion(checkpoints.resolve("stable-diffusion-v1-5"), 1);
        TinyModels.controlNet(checkpoints.resolve("ControlNet/control_v11p_sd15_canny"), 2);
        TinyModels.controlNet(checkpoints.resolve("ControlNet/control_v11f1p_sd15_depth"), 3);
        TinyModels.t2iAdapter(checkpoints.resolve("T2IAdapter/t2iadapter_depth_sd15v2"), 4);
        TinyModels.instructPix2Pix(checkpoints.resolve("InstructPix2Pix/instruct-pix2pix"), 5);
        TinyModels.inpainting(checkpoints.resolve("StableDiffusionInpainting/stable-diffusion-inpainting"), 6);
        TinyModels.videoModel(checkpoints.resolve("ZeroScope/zeroscope_v2_576w"), 7);
        TinyModels.dptHybrid(checkpoints.resolve("Annotators/dpt-hybrid-midas"), 8);
        TinyModels.vidrd(checkpoints, 9);
        clip = root.resolve("data/clip.mp4");
        VideoWriter.write(DemoCommand.movingShapes(4, 32, 32), clip, 8);
        List<Image8> masks = new ArrayList<>();
        for (Image8 f : DemoCommand.movingShapes(4, 32, 32)) {
            byte[] px = new byte[f.pixels().length];
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) (i % (32 * 3) < 48 ? 255 : 0);
            }
            masks.add(new Image8(f.height(), f.width(), 3, px));
        }
        maskClip = root.resolve("data/mask.mp4");
        VideoWriter.write(masks, maskClip, 8);
    }

    /** The official configs: file name, image model, its IDM section, video model. */
    static Stream<Arguments> officialConfigs() {
        return Stream.of(
                Arguments.of("controllable_video_generation_with_controlnet_and_vidrd", "ControlNet",
                        "condition: \"depth_midas\"\n    mixing_ratio: 1.0", "VidRD"),
                Arguments.of("controllable_video_generation_with_controlnet_and_zeroscope", "ControlNet",
                        "condition: \"canny\"\n    mixing_ratio: 1.0", "ZeroScope"),
                Arguments.of("controllable_video_generation_with_t2iadapter_and_vidrd", "T2IAdapter",
                        "condition: \"depth_midas\"\n    mixing_ratio: 1.0", "VidRD"),
                Arguments.of("video_editing_with_instruct_pix2pix_and_vidrd", "InstructPix2Pix",
                        "mixing_ratio: 1.0", "VidRD"),
                Arguments.of("video_editing_with_instruct_pix2pix_and_zeroscope", "InstructPix2Pix",
                        "mixing_ratio: 1.0", "ZeroScope"),
                Arguments.of("video_editing_with_prompt2prompt_and_vidrd", "Prompt2Prompt",
                        "mixing_ratio: 0.25\n    controller_type: \"AttentionRefine\"\n    prompts: [\"A car is moving on "
                                + "the road\", \"A car is moving on the road in the forest\"]\n    local_blend_words: []",
                        "VidRD"),
                Arguments.of("video_inpainting_with_stable_diffusion_inpainting_and_vidrd", "StableDiffusionInpainting",
                        "mixing_ratio: 0.1\n    video_mask_path: \"./data/hike-mask.mp4\"", "VidRD"),
                Arguments.of("video_outpainting_with_stable_diffusion_inpainting_and_vidrd", "StableDiffusionOutpainting",
                        "mixing_ratio: 0.1\n    mask_type: \"horizontal\"", "VidRD"));
    }

    @ParameterizedTest(name = "{0} ({3})")
    @MethodSource("officialConfigs")
    void runsEndToEndOnTinyStandIns(String name, String idm, String idmSection, String vdm) throws Exception {
        Path dir = root.resolve(name);
        Files.createDirectories(dir);
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, OfficialConfigFiles.config(idm, idmSection, vdm));
        List<String> sets = new ArrayList<>(List.of("Model.video_path=" + clip, "Model.output_path=" + dir.resolve("out"),
                "Model.video_length=2", "Model.frame_rate=1", "Model.width=32", "Model.height=32",
                "Model.num_inference_steps=1"));
        if (idm.equals("StableDiffusionInpainting")) {
            sets.add("IDM.StableDiffusionInpainting.video_mask_path=" + maskClip);
        }
        RunConfig c = RunConfigReader.read(file, sets, checkpoints);
        assertEquals(List.of(), c.problems());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertEquals(0, RunCommand.execute(c, false, 0, ENGINE, new PrintStream(log),
                new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false)));
        Path out = dir.resolve("out");
        var info = VideoReader.probe(out.resolve("video_by_bivdiff.mp4"));
        assertEquals(2, info.frameCount());
        assertEquals(32, info.width());
        JsonNode json = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals("complete", json.get("status").asText());
        JsonNode config = json.get("config");
        JsonNode models = config.get("models");
        assertEquals(checkpoints.resolve(vdm.equals("VidRD") ? "stable-diffusion-2-1-base" : "ZeroScope/zeroscope_v2_576w")
                .toString(), models.get("video").asText());
        assertEquals(vdm.equals("VidRD") ? checkpoints.resolve("VidRD/ModelT2V.pth").toString() : null,
                models.get("vidrdCheckpoint").textValue());
        if (idmSection.contains("depth_midas")) {
            assertEquals("DEPTH", config.get("inputs").get("condition").asText());
            assertEquals(checkpoints.resolve("Annotators/dpt-hybrid-midas").toString(),
                    config.get("models").get("depth").asText());
            assertEquals(idm.equals("T2IAdapter") ? "REFERENCE_WRAP" : "CLEAN", config.get("inputs").get("conditionInput").asText());
            var condition = VideoReader.probe(out.resolve("condition.gif"));
            assertEquals(2, condition.frameCount());
            assertEquals(32, condition.width());
        }
        // a second run into Model.output_path is refused with the key that changes it
        var again = assertThrows(UsageException.class, () -> RunCommand.execute(c, false, 0, ENGINE,
                new PrintStream(new ByteArrayOutputStream()), new ProgressBar(new PrintStream(
                        new ByteArrayOutputStream()), false)));
        assertTrue(again.getMessage().contains("--set Model.output_path="), again.getMessage());
    }
}
