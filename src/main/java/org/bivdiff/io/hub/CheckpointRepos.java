package org.bivdiff.io.hub;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Hub repository of each model folder that BIVDiff's official configs and {@code models/*}{@code /infer.py}
 * expect under {@code ./checkpoints} (its README's file tree), so that {@code --checkpoints hub} runs
 * them from the Hugging Face cache. The ids are the ones diffusers' own documentation uses; the
 * {@code runwayml/*} repositories BIVDiff's README links to are no longer on the Hub, and
 * {@code stable-diffusion-v1-5/*} hold the same files. VidRD's {@code VidRD/ModelT2V.pth} is not on the
 * Hub (its authors share it on Google Drive).
 */
public final class CheckpointRepos {

    private static final Map<String, String> REPOS = new LinkedHashMap<>();

    static {
        REPOS.put("stable-diffusion-v1-5", "stable-diffusion-v1-5/stable-diffusion-v1-5");
        REPOS.put("stable-diffusion-2-1-base", "stabilityai/stable-diffusion-2-1-base");
        REPOS.put("ControlNet/control_v11p_sd15_canny", "lllyasviel/control_v11p_sd15_canny");
        REPOS.put("ControlNet/control_v11f1p_sd15_depth", "lllyasviel/control_v11f1p_sd15_depth");
        REPOS.put("ControlNet/control_v11p_sd15_openpose", "lllyasviel/control_v11p_sd15_openpose");
        REPOS.put("T2IAdapter/t2iadapter_canny_sd15v2", "TencentARC/t2iadapter_canny_sd15v2");
        REPOS.put("T2IAdapter/t2iadapter_depth_sd15v2", "TencentARC/t2iadapter_depth_sd15v2");
        REPOS.put("InstructPix2Pix/instruct-pix2pix", "timbrooks/instruct-pix2pix");
        REPOS.put("StableDiffusionInpainting/stable-diffusion-inpainting",
                "stable-diffusion-v1-5/stable-diffusion-inpainting");
        REPOS.put("ZeroScope/zeroscope_v2_576w", "cerspense/zeroscope_v2_576w");
        // DPT-Hybrid MiDaS as a transformers folder; the original file is Annotators/dpt_hybrid-midas-501f0c75.pt
        // of lllyasviel/Annotators (ANNOTATORS), a repository of single files
        REPOS.put("Annotators/dpt-hybrid-midas", "Intel/dpt-hybrid-midas");
    }

    /** The repository of the annotator checkpoints (files such as {@code dpt_hybrid-midas-501f0c75.pt}). */
    public static final String ANNOTATORS = "lllyasviel/Annotators";

    private CheckpointRepos() {
    }

    /** Every known folder (as under {@code ./checkpoints}) and its repository, in BIVDiff's README order. */
    public static Map<String, ModelId> all() {
        Map<String, ModelId> out = new LinkedHashMap<>();
        REPOS.forEach((folder, repo) -> out.put(folder, ModelId.of(repo)));
        return out;
    }

    /** The repository of {@code folder} ({@code ControlNet/control_v11p_sd15_canny}), if known. */
    public static Optional<ModelId> of(String folder) {
        String f = folder.endsWith("/") ? folder.substring(0, folder.length() - 1) : folder;
        return Optional.ofNullable(REPOS.get(f)).map(ModelId::of);
    }
}
