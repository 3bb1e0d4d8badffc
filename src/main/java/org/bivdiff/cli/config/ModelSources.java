package org.bivdiff.cli.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where to get each model of BIVDiff's checkpoints layout: the Hugging Face repository behind each sub-folder (or
 * file) of {@code ./checkpoints} that the official configs and {@code models/*}{@code /infer.py} name, so that a
 * missing model's error says where it comes from.
 */
final class ModelSources {

    private static final Map<String, String> REPOSITORIES = new LinkedHashMap<>();

    static {
        REPOSITORIES.put("stable-diffusion-v1-5", "runwayml/stable-diffusion-v1-5");
        REPOSITORIES.put("stable-diffusion-2-1-base", "stabilityai/stable-diffusion-2-1-base");
        REPOSITORIES.put("ControlNet/control_v11p_sd15_canny", "lllyasviel/control_v11p_sd15_canny");
        REPOSITORIES.put("ControlNet/control_v11f1p_sd15_depth", "lllyasviel/control_v11f1p_sd15_depth");
        REPOSITORIES.put("ControlNet/control_v11p_sd15_openpose", "lllyasviel/control_v11p_sd15_openpose");
        REPOSITORIES.put("T2IAdapter/t2iadapter_canny_sd15v2", "TencentARC/t2iadapter_canny_sd15v2");
        REPOSITORIES.put("T2IAdapter/t2iadapter_depth_sd15v2", "TencentARC/t2iadapter_depth_sd15v2");
        REPOSITORIES.put("InstructPix2Pix/instruct-pix2pix", "timbrooks/instruct-pix2pix");
        REPOSITORIES.put("StableDiffusionInpainting/stable-diffusion-inpainting", "runwayml/stable-diffusion-inpainting");
        REPOSITORIES.put("ZeroScope/zeroscope_v2_576w", "cerspense/zeroscope_v2_576w");
        REPOSITORIES.put(OfficialConfig.MIDAS_CHECKPOINT, "lllyasviel/Annotators");
        REPOSITORIES.put(OfficialConfig.MIDAS_FOLDER, "Intel/dpt-hybrid-midas");
    }

    private ModelSources() {
    }

    /** The repository of a model at {@code path}, known by the last one or two names of the path. */
    static Optional<String> repository(Path path) {
        if (path == null) {
            return Optional.empty();
        }
        int n = path.getNameCount();
        for (int tail = Math.min(2, n); tail >= 1; tail--) {
            String key = path.subpath(n - tail, n).toString().replace('\\', '/');
            if (REPOSITORIES.containsKey(key)) {
                return Optional.of(REPOSITORIES.get(key));
            }
        }
        return Optional.empty();
    }

    /** {@code "; get it from the Hugging Face repository <id>"} for a known model, else nothing. */
    static String hint(Path path) {
        return repository(path).map(r -> "; get it from the Hugging Face repository " + r).orElse("");
    }
}
