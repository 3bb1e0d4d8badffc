package org.bivdiff.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.bivdiff.bivdiff.Strategy;
import org.bivdiff.bivdiff.Task;
import org.bivdiff.bivdiff.TemporalWindows;
import org.bivdiff.io.hub.HubSettings;
import org.bivdiff.io.hub.ModelLocator;
import org.bivdiff.media.annotators.ConditionFrames.FrameInput;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel.FrameNorm;
import org.bivdiff.pipelines.p2p.AttentionEdit;
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
        // relative folders resolve against the config's folder (existing ones: a missing "a/b" would be a model id)
        Files.createDirectories(dir.resolve("checkpoints/sd15"));
        Files.createDirectories(dir.resolve("checkpoints/canny"));
        RunConfig c = RunConfigReader.read(file, List.of("seed=7", "models.video=/models/zs", "mixing_ratio=0.5"), null);
        assertEquals(Task.CONTROLNET, c.task());
        assertEquals(RunConfig.Condition.CANNY, c.inputs().condition());
        assertEquals("a bear walking through a snow mountain", c.prompts().videoPrompt());
        assertEquals(Task.QUALITY_SUFFIX, c.prompts().promptSuffix());
        assertEquals(Task.QUALITY_NEGATIVE, c.prompts().negativePrompt());
        assertEquals(dir.resolve("data/bear.mp4"), c.inputs().video());
        assertEquals(dir.resolve("checkpoints/sd15"), c.models().stableDiffusion());
        assertEquals(Path.of("/models/zs"), c.models().video());
        assertEquals(480, c.clip().width());
        assertEquals(512, c.clip().height());
        assertEquals(7, c.sampling().seed());
        assertEquals(0.5, c.bridging().mixingRatio());
        assertEquals(50, c.sampling().steps());
        assertEquals(Strategy.SEQUENTIAL, c.bridging().strategy());
        assertEquals(FrameNorm.ACROSS_FRAMES, c.bridging().inversionNorm());
    }

    @Test
    void theOneLoopBaselinesAreSpelledAlternateAndFuseAndNeedAnImageModel(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "task: controlnet\nvideo: v.mp4\n");
        assertEquals(Strategy.ALTERNATE, RunConfigReader.read(file, List.of("strategy=alternate"), null).bridging().strategy());
        assertEquals(Strategy.FUSE, RunConfigReader.read(file, List.of("strategy=fuse"), null).bridging().strategy());
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
        assertEquals(0.1, c.bridging().mixingRatio());
        assertEquals("", c.prompts().promptSuffix());
    }

    @Test
    void unknownKeysAndBadValuesAreNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "task: controlnet\nguidence_scale: 5\n");
        var unknown = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), null));
        assertTrue(unknown.getMessage().contains("guidence_scale") && unknown.getMessage().contains("run.yaml"),
                unknown.getMessage());
        assertTrue(unknown.getMessage().contains("known: [condition, condition_input, condition_video, edit, fps, frame_rate, frames, "
                + "guidance_scale, height, image_guidance_scale, inversion_norm, mask_type, mask_video, mixing_ratio, "
                + "models, negative_prompt, output, prompt, prompt_suffix, seed, steps, strategy, task, video, "
                + "video_length, video_prompt, width, window]"), unknown.getMessage());
        Files.writeString(file, "task: p2p\nedit: {prompt: a cat, kind: refine}\nwindow: {length: 8, overlap: 4}\n");
        var nested = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), null));
        assertTrue(nested.getMessage().contains("unknown key(s) [edit.kind] (known: [edit.local_blend_threshold, "
                + "edit.local_blend_words, edit.prompt, edit.type])"), nested.getMessage());
        Files.writeString(file, "task: controlnet\nwindow: {length: 8, overlap: 4}\nmodels: {sd: x}\n");
        var window = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), null));
        assertTrue(window.getMessage().contains("unknown key(s) [window.overlap]"), window.getMessage());
        Files.writeString(file, "task: controlnet\nmodels: {sd: x}\n");
        var models = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), null));
        assertTrue(models.getMessage().contains("unknown key(s) [models.sd]"), models.getMessage());
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
    void longVideosWindowsAndTheSourceRate(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "task: controlnet\nvideo: v.mp4\n");
        RunConfig defaults = RunConfigReader.read(file, List.of(), null);
        assertEquals(8, defaults.clip().videoLength());
        assertEquals(new TemporalWindows(8, 4, TemporalWindows.Weighting.PYRAMID), defaults.window());
        assertEquals(RunConfig.FPS_FROM_SOURCE, defaults.output().fps());
        RunConfig all = RunConfigReader.read(file, List.of("video_length=all", "window.length=24",
                "window.weighting=flat", "fps=30"), null);
        assertEquals(RunConfig.ALL_FRAMES, all.clip().videoLength());
        assertEquals(new TemporalWindows(24, 12, TemporalWindows.Weighting.FLAT), all.window());
        assertEquals(30, all.output().fps());
        assertEquals(new TemporalWindows(16, 16, TemporalWindows.Weighting.PYRAMID), RunConfigReader.read(file,
                List.of("window.length=16", "window.stride=16"), null).window());

        var stride = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file,
                List.of("window.stride=12"), null));
        assertTrue(stride.getMessage().contains("window") && stride.getMessage().contains("stride 12")
                && stride.getMessage().contains("run.yaml"), stride.getMessage());
        var key = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of("window.size=4"),
                null));
        assertTrue(key.getMessage().contains("window.size") && key.getMessage().contains("window.length"),
                key.getMessage());
        var weighting = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file,
                List.of("window.weighting=gaussian"), null));
        assertTrue(weighting.getMessage().contains("gaussian") && weighting.getMessage().contains("pyramid"),
                weighting.getMessage());
        var length = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file,
                List.of("video_length=everything"), null));
        assertTrue(length.getMessage().contains("'video_length' = everything should be a number of frames or all"),
                length.getMessage());
        String problems = String.join("\n", RunConfigReader.read(file, List.of("video_length=-3", "fps=-1"), null)
                .problems());
        assertTrue(problems.contains("video_length = -3 must be >= 1, or all"), problems);
        assertTrue(problems.contains("fps = -1.0 must be > 0"), problems);
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
        assertEquals(480, c.clip().width());
        assertEquals(List.of("width 500 is rounded down to 480, a multiple of 32, as BIVDiff does"), warnings);
        assertEquals(List.of("condition_video is set but not used by task 'ip2p' with strategy 'sequential': it is "
                + "ignored"), c.warnings());
        assertEquals("output", c.output().key());
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
                  stable_diffusion: ./nowhere/sd15
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
        assertEquals(RunConfig.Condition.DEPTH, c.inputs().condition());
        assertEquals(ckpt.resolve("ControlNet/control_v11f1p_sd15_depth"), c.models().controlNet());
        assertEquals(ckpt.resolve("stable-diffusion-v1-5"), c.models().stableDiffusion());
        assertEquals(ckpt.resolve("ZeroScope/zeroscope_v2_576w"), c.models().video());
        assertEquals("A bear", c.prompts().prompt());
        assertEquals("A bear in snow", c.prompts().videoPrompt());
        assertEquals(Path.of("").toAbsolutePath().resolve("data/bear.mp4"), c.inputs().video());
        assertEquals(3, c.sampling().seed());
        assertNull(c.inputs().conditionVideo());
    }

    /** An official VidRD config: the video model is the checkpoint over the SD 2.1-base folder, as SDVideoModel loads it. */
    @Test
    void vidrdConfigIsTranslated(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("official.yaml");
        Files.writeString(file, OfficialConfigFiles.config("InstructPix2Pix", "mixing_ratio: 1.0", "VidRD"));
        RunConfig c = RunConfigReader.read(file, List.of(), dir);
        assertEquals(Task.INSTRUCT_PIX2PIX, c.task());
        assertEquals(dir.resolve("stable-diffusion-2-1-base"), c.models().video());
        assertEquals(dir.resolve("VidRD/ModelT2V.pth"), c.models().vidrdCheckpoint());
        String problems = String.join("\n", c.problems());
        assertTrue(problems.contains("models.vidrd_checkpoint") && problems.contains("ModelT2V.pth"), problems);
        // Another video model on the same config
        RunConfig zeroscope = RunConfigReader.read(file, List.of("Model.vdm=ZeroScope"), dir);
        assertEquals(dir.resolve("ZeroScope/zeroscope_v2_576w"), zeroscope.models().video());
        assertNull(zeroscope.models().vidrdCheckpoint());
    }

    @Test
    void vidrdConfigsWithOtherTemporalLayersOrWithoutPathsAreRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("official.yaml");
        Files.writeString(file, OfficialConfigFiles.config("InstructPix2Pix", "mixing_ratio: 1.0", "VidRD"));
        var conv = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file,
                List.of("VDM.VidRD.add_temp_conv=false"), dir));
        assertTrue(conv.getMessage().contains("add_temp_conv"), conv.getMessage());
        var sparse = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file,
                List.of("VDM.VidRD.prepend_first_frame=true"), dir));
        assertTrue(sparse.getMessage().contains("prepend_first_frame"), sparse.getMessage());
        Files.writeString(file, Files.readString(file).replace("    ckpt_path: \"./checkpoints/VidRD/ModelT2V.pth\"\n", ""));
        var ckpt = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of(), dir));
        assertTrue(ckpt.getMessage().contains("VDM.VidRD.ckpt_path"), ckpt.getMessage());
    }

    @Test
    void ownSchemaTakesVidrdAsTheVideoModel(@TempDir Path dir) throws Exception {
        Path sd21 = Files.createDirectories(dir.resolve("sd21"));
        Files.createDirectories(sd21.resolve("unet"));
        Path ckpt = Files.writeString(dir.resolve("ModelT2V.pth"), "stand-in");
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, """
                task: ip2p
                video: v.mp4
                models:
                  video: sd21
                  vidrd_checkpoint: ModelT2V.pth
                """);
        RunConfig c = RunConfigReader.read(file, List.of(), null);
        assertEquals(sd21, c.models().video());
        assertEquals(ckpt, c.models().vidrdCheckpoint());
        String problems = String.join("\n", c.problems());
        assertTrue(problems.contains("text_encoder/") && problems.contains("tokenizer/"), problems);
        assertFalse(problems.contains("unet/"), problems);
        assertFalse(problems.contains("vidrd_checkpoint"), problems);
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
        assertEquals("A car is moving on the road", c.prompts().prompt(), "infer.py edits from prompts[0]");
        assertEquals("A white car is moving on the road", c.edit().prompt());
        assertEquals("A white car is moving on the road", c.prompts().videoPrompt());
        assertEquals(AttentionEdit.Type.REPLACE, c.edit().type());
        assertEquals(List.of("car", "car"), c.edit().localBlendWords());
        assertEquals(0.3, c.edit().localBlendThreshold());
        assertEquals(0.25, c.bridging().mixingRatio());
        Files.writeString(file, Files.readString(file).replace("AttentionReplace", "AttentionSwap"));
        var e = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of("Model.vdm=ZeroScope"),
                dir));
        assertTrue(e.getMessage().contains("AttentionSwap"), e.getMessage());
    }

    private static Path officialT2iDepth(Path dir) throws IOException {
        Path file = dir.resolve("official_t2i.yaml");
        Files.writeString(file, """
                VDM:
                  ZeroScope:
                    ckpt_path: "./checkpoints/ZeroScope/zeroscope_v2_576w"
                IDM:
                  T2IAdapter:
                    condition: "depth_midas"
                    mixing_ratio: 1.0
                MixedInversion:
                  idm: "SD-v15"
                  pretrained_model_path: "./checkpoints/stable-diffusion-v1-5"
                Model:
                  idm: "T2IAdapter"
                  vdm: "ZeroScope"
                  idm_prompt : "A red car"
                  vdm_prompt : "A red car"
                  video_path: "./data/car-turn-2.mp4"
                  output_path: "./outputs/"
                """);
        return file;
    }

    @Test
    void officialDepthConfigsComputeDepthAsTheReferenceHandsFramesOver(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("ckpt");
        RunConfig c = RunConfigReader.read(officialT2iDepth(dir), List.of(), ckpt);
        assertEquals(RunConfig.Condition.DEPTH, c.inputs().condition());
        assertEquals(FrameInput.REFERENCE_WRAP, c.inputs().conditionInput(), "T2IAdapter/infer.py wraps");
        assertEquals(ckpt.resolve("Annotators/dpt_hybrid-midas-501f0c75.pt"), c.models().depth());
        assertEquals("", c.prompts().promptSuffix(), "T2IAdapter/infer.py adds no quality tags");
        assertEquals("Model.output_path", c.output().key());
        assertEquals(8.0, c.output().fps(), "BIVDiff writes its videos at 8 fps");
        String problems = String.join("\n", c.problems());
        // each missing model names where to get it
        assertTrue(problems.contains("Annotators/dpt_hybrid-midas-501f0c75.pt") && problems.contains("lllyasviel/Annotators"),
                problems);
        assertTrue(problems.contains("TencentARC/t2iadapter_depth_sd15v2"), problems);
        assertTrue(problems.contains("stable-diffusion-v1-5/stable-diffusion-v1-5"), problems);
        assertTrue(problems.contains("cerspense/zeroscope_v2_576w"), problems);
        Files.createDirectories(ckpt.resolve("Annotators/dpt-hybrid-midas"));
        assertEquals(ckpt.resolve("Annotators/dpt-hybrid-midas"),
                RunConfigReader.read(officialT2iDepth(dir), List.of(), ckpt).models().depth(),
                "without the .pt, the transformers folder");
    }

    @Test
    void unknownSetKeysOfOfficialConfigsAreErrorsListingTheKnownOnes(@TempDir Path dir) throws Exception {
        Path file = officialT2iDepth(dir);
        var typo = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of("Model.widht=64"),
                dir));
        assertTrue(typo.getMessage().contains("Model.widht") && typo.getMessage().contains("Model.width")
                && typo.getMessage().contains("Model.output_path"), typo.getMessage());
        var section = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of("Modle.seed=1"),
                dir));
        assertTrue(section.getMessage().contains("Modle.seed") && section.getMessage().contains("IDM.T2IAdapter"),
                section.getMessage());
        var ours = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file, List.of("output=x"), dir));
        assertTrue(ours.getMessage().contains("Model.output_path"), ours.getMessage());
        assertEquals(64, RunConfigReader.read(file, List.of("Model.width=64"), dir).clip().width());
        assertEquals(dir.resolve("zs"), RunConfigReader.read(file, List.of("VDM.ZeroScope.ckpt_path=" + dir.resolve("zs")),
                dir).models().video());
    }

    @Test
    void conditionInputIsCleanUnlessAskedFor(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, """
                task: t2i-adapter
                condition: depth
                video: clip.mp4
                models:
                  depth: ./nowhere/dpt
                """);
        RunConfig c = RunConfigReader.read(file, List.of(), null);
        assertEquals(FrameInput.CLEAN, c.inputs().conditionInput());
        assertEquals("output", c.output().key());
        assertTrue(String.join("\n", c.problems()).contains("models.depth = " + dir.resolve("nowhere/dpt")));
        assertEquals(FrameInput.REFERENCE_WRAP,
                RunConfigReader.read(file, List.of("condition_input=reference-wrap"), null).inputs().conditionInput());
        var bad = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file,
                List.of("condition_input=wrap"), null));
        assertTrue(bad.getMessage().contains("reference-wrap"), bad.getMessage());
        Files.writeString(file, Files.readString(file).replace("  depth: ./nowhere/dpt\n", ""));
        assertTrue(String.join("\n", RunConfigReader.read(file, List.of(), null).problems()).contains(
                "models.depth is not set"));
    }

    @Test
    void modelIdsResolveFromTheCacheAndMissingOnesSayHowToPullThem(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("hub");
        Path sd = snapshot(cache, "org/sd", "main", "1111111111111111111111111111111111111111", "unet");
        Path canny = snapshot(cache, "org/canny", "v1", "2222222222222222222222222222222222222222");
        ModelLocator locator = ModelLocator.cacheOnly(new HubSettings(HubSettings.DEFAULT_ENDPOINT, cache,
                Optional.empty(), true));
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, """
                task: controlnet
                video: bear.mp4
                models:
                  stable_diffusion: org/sd
                  controlnet: org/canny@v1
                  video: org/zeroscope
                  inpainting: org/inpaint@v2/unet
                """);
        ConfigFileException e = assertThrows(ConfigFileException.class,
                () -> RunConfigReader.read(file, List.of(), null, locator));
        assertTrue(e.getMessage().contains("models.video = org/zeroscope: ") && e.getMessage().contains(
                "download it with: bin/bivdiff models pull org/zeroscope"), e.getMessage());
        assertTrue(e.getMessage().contains("models.inpainting = org/inpaint@v2/unet: ") && e.getMessage().contains(
                "bin/bivdiff models pull org/inpaint@v2/unet"), "every missing model at once: " + e.getMessage());
        RunConfig c = RunConfigReader.read(file, List.of("models.video=org/sd/unet", "models.inpainting=null"), null,
                locator);
        assertEquals(sd, c.models().stableDiffusion());
        assertEquals(canny, c.models().controlNet());
        assertEquals(sd.resolve("unet"), c.models().video());
        assertNull(c.models().inpainting());
    }

    @Test
    void officialConfigsTakeTheirModelsFromTheHub(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("hub");
        Path sd = snapshot(cache, "stable-diffusion-v1-5/stable-diffusion-v1-5", "main",
                "3333333333333333333333333333333333333333");
        Path ip2p = snapshot(cache, "timbrooks/instruct-pix2pix", "main", "4444444444444444444444444444444444444444");
        Path zs = snapshot(cache, "cerspense/zeroscope_v2_576w", "main", "5555555555555555555555555555555555555555");
        Path tree = snapshot(cache, "me/bivdiff-checkpoints", "main", "6666666666666666666666666666666666666666");
        ModelLocator locator = ModelLocator.cacheOnly(new HubSettings(HubSettings.DEFAULT_ENDPOINT, cache,
                Optional.empty(), false));
        Path file = dir.resolve("official.yaml");
        Files.writeString(file, """
                VDM:
                  ZeroScope:
                    ckpt_path: "./checkpoints/ZeroScope/zeroscope_v2_576w"
                IDM:
                  InstructPix2Pix:
                    mixing_ratio: 1.0
                MixedInversion:
                  idm: "SD-v15"
                  pretrained_model_path: "./checkpoints/stable-diffusion-v1-5/"
                Model:
                  idm: "InstructPix2Pix"
                  vdm: "ZeroScope"
                  idm_prompt : "make it snowy"
                  video_path: "./data/bear.mp4"
                """);
        RunConfig c = RunConfigReader.read(file, List.of(), RunConfigReader.HUB, locator);
        assertEquals(sd, c.models().stableDiffusion());
        assertEquals(ip2p, c.models().instructPix2Pix());
        assertEquals(zs, c.models().video());
        // a repository laid out like BIVDiff's ./checkpoints folder
        RunConfig fromTree = RunConfigReader.read(file, List.of(), "me/bivdiff-checkpoints", locator);
        assertEquals(tree.resolve("InstructPix2Pix/instruct-pix2pix"), fromTree.models().instructPix2Pix());
        ConfigFileException unknown = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file,
                List.of("MixedInversion.pretrained_model_path=./checkpoints/my-sd"), RunConfigReader.HUB, locator));
        assertTrue(unknown.getMessage().contains("no Hub repository is known for ./checkpoints/my-sd"),
                unknown.getMessage());
        Path missingCache = dir.resolve("empty-hub");
        ConfigFileException missing = assertThrows(ConfigFileException.class, () -> RunConfigReader.read(file,
                List.of(), RunConfigReader.HUB, ModelLocator.cacheOnly(new HubSettings(HubSettings.DEFAULT_ENDPOINT,
                        missingCache, Optional.empty(), false))));
        for (String id : List.of("stable-diffusion-v1-5/stable-diffusion-v1-5", "timbrooks/instruct-pix2pix",
                "cerspense/zeroscope_v2_576w")) {
            assertTrue(missing.getMessage().contains("bin/bivdiff models pull " + id), missing.getMessage());
        }
    }

    /** A snapshot folder of {@code repo} at {@code commit}, with {@code revision} pointing at it. */
    private static Path snapshot(Path cache, String repo, String revision, String commit, String... folders)
            throws IOException {
        Path root = cache.resolve("models--" + repo.replace("/", "--"));
        Files.createDirectories(root.resolve("refs"));
        Files.writeString(root.resolve("refs").resolve(revision), commit);
        Path snapshot = Files.createDirectories(root.resolve("snapshots").resolve(commit));
        for (String f : folders) {
            Files.createDirectories(snapshot.resolve(f));
        }
        return snapshot;
    }
}
