package org.bivdiff.io.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The files a pull takes from real repository listings, and the fnmatch patterns of --include. */
class FileSelectionTest {

    /** The file list of stable-diffusion-v1-5/stable-diffusion-v1-5. */
    private static final List<String> SD15 = List.of(".gitattributes", "README.md",
            "feature_extractor/preprocessor_config.json", "model_index.json", "safety_checker/config.json",
            "safety_checker/model.fp16.safetensors", "safety_checker/model.safetensors",
            "safety_checker/pytorch_model.bin", "safety_checker/pytorch_model.fp16.bin",
            "scheduler/scheduler_config.json", "text_encoder/config.json", "text_encoder/model.fp16.safetensors",
            "text_encoder/model.safetensors", "text_encoder/pytorch_model.bin", "text_encoder/pytorch_model.fp16.bin",
            "tokenizer/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json",
            "tokenizer/vocab.json", "unet/config.json", "unet/diffusion_pytorch_model.bin",
            "unet/diffusion_pytorch_model.fp16.bin", "unet/diffusion_pytorch_model.fp16.safetensors",
            "unet/diffusion_pytorch_model.non_ema.bin", "unet/diffusion_pytorch_model.non_ema.safetensors",
            "unet/diffusion_pytorch_model.safetensors", "v1-5-pruned-emaonly.ckpt", "v1-5-pruned-emaonly.safetensors",
            "v1-5-pruned.ckpt", "v1-5-pruned.safetensors", "v1-inference.yaml", "vae/config.json",
            "vae/diffusion_pytorch_model.bin", "vae/diffusion_pytorch_model.fp16.bin",
            "vae/diffusion_pytorch_model.fp16.safetensors", "vae/diffusion_pytorch_model.safetensors");
    private static final List<String> CONFIGS = List.of("feature_extractor/preprocessor_config.json",
            "model_index.json", "safety_checker/config.json", "scheduler/scheduler_config.json",
            "text_encoder/config.json", "tokenizer/merges.txt", "tokenizer/special_tokens_map.json",
            "tokenizer/tokenizer_config.json", "tokenizer/vocab.json", "unet/config.json", "vae/config.json");

    private static FileSelection selection(String variant, String... globs) {
        return new FileSelection(java.util.Arrays.stream(globs).map(Glob::of).toList(), Optional.ofNullable(variant));
    }

    private static List<String> with(List<String> base, String... more) {
        return java.util.stream.Stream.concat(base.stream(), java.util.Arrays.stream(more)).sorted().toList();
    }

    @Test
    void pipelineTakesConfigsTokenizerAndPlainSafetensors() {
        assertEquals(with(CONFIGS, "text_encoder/model.safetensors", "unet/diffusion_pytorch_model.safetensors",
                "vae/diffusion_pytorch_model.safetensors"), FileSelection.pipeline().select(SD15));
    }

    @Test
    void fp16VariantTakesTheHalfPrecisionFiles() {
        assertEquals(with(CONFIGS, "text_encoder/model.fp16.safetensors", "unet/diffusion_pytorch_model.fp16.safetensors",
                "vae/diffusion_pytorch_model.fp16.safetensors"), selection("fp16").select(SD15));
        assertEquals(List.of("unet/config.json", "unet/diffusion_pytorch_model.non_ema.safetensors"),
                selection("non_ema", "unet/").select(SD15), "other variants only when asked for");
    }

    @Test
    void binFilesWhenARepositoryHasNoSafetensors() {
        // cerspense/zeroscope_v2_576w: .bin only, and a folder of single-file checkpoints for other tools
        List<String> zeroscope = List.of("model_index.json", "scheduler/scheduler_config.json",
                "text_encoder/config.json", "text_encoder/pytorch_model.bin", "tokenizer/vocab.json",
                "unet/config.json", "unet/diffusion_pytorch_model.bin", "vae/config.json",
                "vae/diffusion_pytorch_model.bin", "zs2_576w/open_clip_pytorch_model.bin",
                "zs2_576w/text2video_pytorch_model.pth");
        assertEquals(List.of("model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json",
                "text_encoder/pytorch_model.bin", "tokenizer/vocab.json", "unet/config.json",
                "unet/diffusion_pytorch_model.bin", "vae/config.json", "vae/diffusion_pytorch_model.bin"),
                FileSelection.pipeline().select(zeroscope));
        // only fp16 files: they stand in for the plain ones, as the loader reads them
        assertEquals(List.of("config.json", "diffusion_pytorch_model.fp16.safetensors"), FileSelection.pipeline()
                .select(List.of("config.json", "diffusion_pytorch_model.fp16.safetensors",
                        "diffusion_pytorch_model.fp16.bin", "images/input.png")));
    }

    @Test
    void shardsTravelWithTheirOwnIndex() {
        List<String> sharded = List.of("text_encoder/config.json", "text_encoder/model-00001-of-00002.safetensors",
                "text_encoder/model-00002-of-00002.safetensors", "text_encoder/model.safetensors.index.json",
                "text_encoder/model.fp16-00001-of-00002.safetensors", "text_encoder/model.fp16-00002-of-00002.safetensors",
                "text_encoder/model.safetensors.index.fp16.json", "text_encoder/pytorch_model.bin.index.json",
                "text_encoder/pytorch_model-00001-of-00002.bin", "text_encoder/pytorch_model-00002-of-00002.bin");
        assertEquals(List.of("text_encoder/config.json", "text_encoder/model-00001-of-00002.safetensors",
                "text_encoder/model-00002-of-00002.safetensors", "text_encoder/model.safetensors.index.json"),
                FileSelection.pipeline().select(sharded), "no index whose shards are not taken");
        assertEquals(List.of("text_encoder/config.json", "text_encoder/model.fp16-00001-of-00002.safetensors",
                "text_encoder/model.fp16-00002-of-00002.safetensors", "text_encoder/model.safetensors.index.fp16.json"),
                selection("fp16").select(sharded));
        assertEquals(Optional.of(new FileSelection.WeightSet("safetensors", "fp16")),
                FileSelection.weightSet("unet/diffusion_pytorch_model-00001-of-00002.fp16.safetensors"),
                "diffusers' legacy variant shard name");
        assertEquals(Optional.empty(), FileSelection.weightSet("open_clip_pytorch_model.bin"));
    }

    @Test
    void includePatternsAreFnmatch() {
        assertEquals(List.of("dpt_hybrid-midas-501f0c75.pt"), selection(null, "dpt_hybrid-midas-*.pt")
                .select(List.of("body_pose_model.pth", "dpt_hybrid-midas-501f0c75.pt", "README.md")));
        assertTrue(Glob.of("*.json").matches("unet/config.json"), "* crosses folders, as in fnmatch");
        assertTrue(Glob.of("unet/").matches("unet/config.json"), "a folder pattern means everything under it");
        assertTrue(Glob.of("unet/*.[bs]?n").matches("unet/x.bin"));
        assertTrue(Glob.of("[!a]*").matches("b.json"));
        assertFalse(Glob.of("[!a]*").matches("a.json"));
        assertTrue(Glob.of("a[.json").matches("a[.json"), "an unclosed bracket is literal");
        assertFalse(Glob.of("*.JSON").matches("config.json"), "case sensitive");
        assertTrue(Glob.of("a+b(c).json").matches("a+b(c).json"), "regex characters are literal");
        assertEquals(" --include 'unet/*' --variant fp16", selection("fp16", "unet/*").options());
    }
}
