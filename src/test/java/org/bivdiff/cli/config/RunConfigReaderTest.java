package org.bivdiff.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.bivdiff.bivdiff.Strategy;
import org.bivdiff.pipelines.AttentionEdit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigReaderTest {

    @Test
    void ownSchemaWithDefaultsAndOverrides(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, """
                task: controlnet
                prompt: a bear walking through a snow mountain
                video: data/bear.mp4
                models:
                  stable_diffusion: checkpoints/sd15
                  controlnet: checkpoints/canny
                  video: checkpoints/zeroscope
                width: 500
                """);
        RunConfig c = RunConfigReader.read(file, List.of("seed=7", "models.video=/models/zs", "mixing_ratio=0.5"), null);
        assertEquals(Task.CONTROLNET, c.task());
        assertEquals(RunConfig.Condition.CANNY, c.condition());
        assertEquals("a bear walking through a snow mountain", c.videoPrompt());
        assertEquals(Task.QUALITY_SUFFIX, c.promptSuffix());
        assertEquals(Task.QUALITY_NEGATIVE, c.negativePrompt());
        assertEquals(dir.resolve("data/bear.mp4"), c.video());
        assertEquals(dir.resolve("checkpoints/sd15"), c.models().stableDiffusion());
        assertEquals(Path.of("/models/zs"), c.models().video());
        assertEquals(480, c.width());
        assertEquals(512, c.height());
        assertEquals(7, c.seed());
        assertEquals(0.5, c.mixingRatio());
        assertEquals(50, c.steps());
        assertEquals(Strategy.SEQUENTIAL, c.strategy());
        assertFalse(c.perFrameInversion());
    }

    @Test
    void theOneLoopBaselinesAreSpelledAlternateAndFuseAndNeedAnImageModel(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "task: controlnet\nvideo: v.mp4\n");
        assertEquals(Strategy.ALTERNATE, RunConfigReader.read(file, List.of("strategy=alternate"), null).strategy());
        assertEquals(Strategy.FUSE, RunConfigReader.read(file, List.of("strategy=fuse"), null).strategy());
        Files.writeString(file, "task: frames\nframes: f.mp4\nstrategy: fuse\n");
        RunConfig frames = RunConfigReader.read(file, List.of(), null);
        assertTrue(frames.problems().stream().anyMatch(p -> p.contains("'fuse'") && p.contains("no image model")),
                frames.problems().toString());
    }

    @Test
    void defaultsFollowTheTask(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "task: inpaint\nmask_video: m.mp4\nvideo: v.mp4\n");
        RunConfig c = RunConfigReader.read(file, List.of(), null);
        assertEquals(0.1, c.mixingRatio());
        assertEquals("", c.promptSuffix());
    }

    @Test
    void unknownKeysAndBadValuesAreNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "task: controlnet\nguidence_scale: 5\n");
        var unknown = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), null));
        assertTrue(unknown.getMessage().contains("guidence_scale") && unknown.getMessage().contains("run.yaml"),
                unknown.getMessage());
        Files.writeString(file, "task: controlnet\nsteps: many\n");
        var type = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), null));
        assertTrue(type.getMessage().contains("'steps'"), type.getMessage());
        Files.writeString(file, "task: dreaming\n");
        var task = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), null));
        assertTrue(task.getMessage().contains("dreaming") && task.getMessage().contains("controlnet"), task.getMessage());
        Files.writeString(file, "task: [unclosed\n");
        assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), null));
        Files.writeString(file, "task: controlnet\n");
        var set = assertThrows(ConfigFileException.class,
                () -> RunConfigReader.read(file, List.of("novalue"), null));
        assertTrue(set.getMessage().contains("key=value"), set.getMessage());
    }

    @Test
    void duplicateKeysAreErrorsNotLastOneWins(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "task: controlnet\nsteps: 20\nprompt: a cat\nsteps: 50\n");
        var top = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), null));
        assertTrue(top.getMessage().startsWith(file + ": not valid YAML") && top.getMessage().contains("duplicate key steps"),
                top.getMessage());
        Files.writeString(file, "task: controlnet\nmodels:\n  video: a\n  video: b\n");
        var nested = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), null));
        assertTrue(nested.getMessage().contains("duplicate key video"), nested.getMessage());
        Files.writeString(file, "task: controlnet\n");
        var set = assertThrows(ConfigFileException.class,
                () -> RunConfigReader.read(file, List.of("edit.local_blend_words={a: 1, a: 2}"), null));
        assertTrue(set.getMessage().contains("duplicate key a"), set.getMessage());
        Files.write(file, new byte[] {'t', 'a', 's', 'k', ':', ' ', (byte) 0xc3, 0x28, '\n'});
        var utf8 = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), null));
        assertEquals(file + ": not valid UTF-8", utf8.getMessage());
    }

    @Test
    void roundedSizesAndUnusedInputsAreWarnedAboutAndTheOutputKeyFollowsTheFormat(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "task: ip2p\nwidth: 500\nheight: 512\ncondition_video: depth.mp4\n");
        List<String> warnings = new java.util.ArrayList<>();
        RunConfig c = RunConfigReader.read(file, List.of(), null, warnings::add);
        assertEquals(480, c.width());
        assertEquals(List.of("width 500 is rounded down to 480, a multiple of 32, as BIVDiff does"), warnings);
        assertEquals(List.of("condition_video is set but not used by task 'ip2p' with strategy 'sequential': it is "
                + "ignored"), c.warnings());
        assertEquals("output", RunConfigReader.outputKey(file));
        Files.writeString(file, "Model: {idm: ControlNet, vdm: ZeroScope}\nIDM: {}\nVDM: {}\nMixedInversion: {}\n");
        assertEquals("Model.output_path", RunConfigReader.outputKey(file));
    }

    @Test
    void problemsAreListedBeforeAnyWork(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, """
                task: controlnet
                condition: depth
                video: missing.mp4
                mixing_ratio: 1.5
                models:
                  stable_diffusion: nowhere/sd15
                """);
        List<String> problems = RunConfigReader.read(file, List.of(), null).problems();
        String all = String.join("\n", problems);
        assertTrue(all.contains("mixing_ratio = 1.5"), all);
        assertTrue(all.contains("missing.mp4"), all);
        assertTrue(all.contains("models.stable_diffusion") && all.contains("nowhere"), all);
        assertTrue(all.contains("models.video is not set"), all);
        assertTrue(all.contains("models.controlnet is not set"), all);
        assertTrue(all.contains("condition_video"), all);
    }

    @Test
    void officialConfigIsTranslated(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("official.yaml");
        Files.writeString(file, """
                hydra:
                  run:
                    dir: .
                VDM:
                  ZeroScope:
                    ckpt_path: "./checkpoints/ZeroScope/zeroscope_v2_576w"
                IDM:
                  ControlNet:
                    condition: "depth_midas"
                    mixing_ratio: 1.0
                MixedInversion:
                  idm: "SD-v15"
                  pretrained_model_path: "./checkpoints/stable-diffusion-v1-5"
                Model:
                  idm: "ControlNet"
                  vdm: "ZeroScope"
                  idm_prompt : "A bear"
                  vdm_prompt : "A bear in snow"
                  video_path: "./data/bear.mp4"
                  output_path: "./outputs/"
                  video_length: 8
                  width: 512
                  height: 512
                  frame_rate: 4
                  seed: 42
                  guidance_scale: 7.5
                  num_inference_steps: 50
                """);
        Path ckpt = dir.resolve("ckpt");
        RunConfig c = RunConfigReader.read(file, List.of("Model.seed=3"), ckpt);
        assertEquals(Task.CONTROLNET, c.task());
        assertEquals(RunConfig.Condition.DEPTH, c.condition());
        assertEquals(ckpt.resolve("ControlNet/control_v11f1p_sd15_depth"), c.models().controlNet());
        assertEquals(ckpt.resolve("stable-diffusion-v1-5"), c.models().stableDiffusion());
        assertEquals(ckpt.resolve("ZeroScope/zeroscope_v2_576w"), c.models().video());
        assertEquals("A bear", c.prompt());
        assertEquals("A bear in snow", c.videoPrompt());
        assertEquals(Path.of("").toAbsolutePath().resolve("data/bear.mp4"), c.video());
        assertEquals(3, c.seed());
        assertNull(c.conditionVideo());
    }

    @Test
    void vidrdConfigsExplainWhatToDo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("official.yaml");
        Files.writeString(file, """
                VDM:
                  VidRD:
                    ckpt_path: "./checkpoints/VidRD/ModelT2V.pth"
                IDM:
                  InstructPix2Pix:
                    mixing_ratio: 1.0
                MixedInversion:
                  pretrained_model_path: "./checkpoints/stable-diffusion-v1-5"
                Model:
                  idm: "InstructPix2Pix"
                  vdm: "VidRD"
                """);
        var e = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), dir));
        assertTrue(e.getMessage().contains("pickle") && e.getMessage().contains("Model.vdm=ZeroScope"), e.getMessage());
        RunConfig c = RunConfigReader.read(file, List.of("Model.vdm=ZeroScope"), dir);
        assertEquals(Task.INSTRUCT_PIX2PIX, c.task());
        assertEquals(dir.resolve("InstructPix2Pix/instruct-pix2pix"), c.models().instructPix2Pix());
    }

    @Test
    void officialPrompt2PromptConfigIsTranslated(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("official.yaml");
        Files.writeString(file, """
                VDM:
                  VidRD:
                    ckpt_path: "./checkpoints/VidRD/ModelT2V.pth"
                IDM:
                  Prompt2Prompt:
                    mixing_ratio: 0.25
                    controller_type: "AttentionReplace"
                    prompts: [ "A car is moving on the road", "A white car is moving on the road" ]
                    local_blend_words: ["car", "car"]
                MixedInversion:
                  idm: "SD-v15"
                  pretrained_model_path: "./checkpoints/stable-diffusion-v1-5"
                Model:
                  idm: "Prompt2Prompt"
                  vdm: "VidRD"
                  idm_prompt : "A car is moving"
                  vdm_prompt : "A white car is moving on the road"
                """);
        RunConfig c = RunConfigReader.read(file, List.of("Model.vdm=ZeroScope"), dir);
        assertEquals(Task.PROMPT2PROMPT, c.task());
        assertEquals("A car is moving on the road", c.prompt(), "infer.py edits from prompts[0]");
        assertEquals("A white car is moving on the road", c.edit().prompt());
        assertEquals("A white car is moving on the road", c.videoPrompt());
        assertEquals(AttentionEdit.Type.REPLACE, c.edit().type());
        assertEquals(List.of("car", "car"), c.edit().localBlendWords());
        assertEquals(0.3, c.edit().localBlendThreshold());
        assertEquals(0.25, c.mixingRatio());
        Files.writeString(file, Files.readString(file).replace("AttentionReplace", "AttentionSwap"));
        var e = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of("Model.vdm=ZeroScope"),
                dir));
        assertTrue(e.getMessage().contains("AttentionSwap"), e.getMessage());
    }
}
