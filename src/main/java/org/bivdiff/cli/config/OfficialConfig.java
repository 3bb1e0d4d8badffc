package org.bivdiff.cli.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bivdiff.io.hub.CheckpointRepos;
import org.bivdiff.io.hub.ModelId;
import org.bivdiff.models.vidrd.VidRDUNet3DConditionModel;

/**
 * BIVDiff's official {@code configs/*.yaml} (Hydra files with {@code VDM}, {@code IDM},
 * {@code MixedInversion} and {@code Model} sections), translated to bivdiff's schema. The image
 * models' folders are the ones the reference's {@code models/*}{@code /infer.py} hard-code under
 * {@code ./checkpoints}; {@link Checkpoints} says where each is: under the {@code --checkpoints} folder,
 * or, for {@code --checkpoints hub}, its Hub repository.
 */
final class OfficialConfig {

    private static final String ROOT = "./checkpoints/";

    /** The rate BIVDiff writes its videos at (inference.py, models/util.py save_videos_grid). */
    static final int REFERENCE_FPS = 8;

    /** Where official depth runs find MiDaS: controlnet_aux downloads this file of lllyasviel/Annotators. */
    static final String MIDAS_CHECKPOINT = "Annotators/dpt_hybrid-midas-501f0c75.pt";
    /** The same network as a transformers folder (Intel/dpt-hybrid-midas), used when the .pt is absent. */
    static final String MIDAS_FOLDER = "Annotators/dpt-hybrid-midas";

    /** The key that sets the output folder of an official config. */
    static final String OUTPUT_KEY = "Model.output_path";

    /**
     * Every key BIVDiff's official configs have, by section (second-level sections such as {@code IDM.ControlNet}
     * by their dotted name); {@code hydra} is Hydra's own and not checked.
     */
    private static final Map<String, List<String>> KNOWN_KEYS = knownKeys();

    private static Map<String, List<String>> knownKeys() {
        Map<String, List<String>> k = new LinkedHashMap<>();
        k.put("Model", List.of("idm", "vdm", "idm_prompt", "vdm_prompt", "video_path", "output_path", "video_length",
                "width", "height", "frame_rate", "seed", "guidance_scale", "num_inference_steps"));
        k.put("MixedInversion", List.of("idm", "pretrained_model_path"));
        k.put("VDM.ZeroScope", List.of("ckpt_path"));
        k.put("VDM.VidRD", List.of("_target_", "pretrained_model_path", "ckpt_path", "guidance_scale",
                "num_inference_steps", "resolution", "add_temp_embed", "add_temp_conv"));
        k.put("IDM.ControlNet", List.of("condition", "mixing_ratio"));
        k.put("IDM.T2IAdapter", List.of("condition", "mixing_ratio"));
        k.put("IDM.InstructPix2Pix", List.of("mixing_ratio"));
        k.put("IDM.Prompt2Prompt", List.of("mixing_ratio", "controller_type", "prompts", "local_blend_words"));
        k.put("IDM.StableDiffusionInpainting", List.of("mixing_ratio", "video_mask_path"));
        k.put("IDM.StableDiffusionOutpainting", List.of("mixing_ratio", "mask_type"));
        return k;
    }

    /**
     * Refuses a {@code --set} key that no official config has (a misspelt {@code Model.widht} would otherwise be
     * ignored), listing the keys of its section, or the sections.
     */
    static void checkOverrideKey(String assignment, Path file) throws ConfigFileException {
        int eq = assignment.indexOf('=');
        String key = (eq < 0 ? assignment : assignment.substring(0, eq)).trim();
        if (key.equals("hydra") || key.startsWith("hydra.")) {
            return;
        }
        int dot = key.lastIndexOf('.');
        String section = dot < 0 ? "" : key.substring(0, dot);
        List<String> keys = KNOWN_KEYS.get(section);
        if (keys != null && keys.contains(key.substring(dot + 1))) {
            return;
        }
        String known = keys != null ? keys.stream().map(n -> section + "." + n).toList().toString()
                : "sections " + KNOWN_KEYS.keySet() + "; e.g. " + KNOWN_KEYS.get("Model").stream()
                        .map(n -> "Model." + n).toList();
        throw new ConfigFileException(file, "--set " + key + ": an official BIVDiff config has no such key (known: "
                + known + ")");
    }

    /** Where a folder BIVDiff expects under {@code ./checkpoints} is, as {@code models.*} takes it. */
    @FunctionalInterface
    interface Checkpoints {

        /** The path or model id of {@code folder} ({@code ControlNet/control_v11p_sd15_canny}). */
        String folder(String folder) throws ConfigFileException;

        /** Every folder under {@code root}. */
        static Checkpoints under(Path root) {
            return folder -> root.resolve(folder).toString();
        }

        /** Every folder from its Hub repository ({@link CheckpointRepos}), found in the cache. */
        static Checkpoints hub(Path file) {
            return folder -> CheckpointRepos.of(folder).map(ModelId::toString).orElseThrow(() ->
                    new ConfigFileException(file, "--checkpoints hub: no Hub repository is known for ./checkpoints/"
                            + folder + " (known: " + String.join(", ", CheckpointRepos.all().keySet())
                            + "); pass --checkpoints DIR"));
        }
    }

    private OfficialConfig() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> translate(Map<String, Object> raw, Path file, Checkpoints checkpoints)
            throws ConfigFileException {
        Map<String, Object> model = section(raw, "Model", file);
        Map<String, Object> idms = section(raw, "IDM", file);
        Map<String, Object> inversion = section(raw, "MixedInversion", file);
        Map<String, Object> vdms = section(raw, "VDM", file);
        String idm = String.valueOf(model.get("idm"));
        Map<String, Object> idmSection = idms.get(idm) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();

        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> models = new LinkedHashMap<>();
        models.put("stable_diffusion", checkpoint(inversion.getOrDefault("pretrained_model_path",
                ROOT + "stable-diffusion-v1-5"), checkpoints));
        if (!"SD-v15".equals(String.valueOf(inversion.getOrDefault("idm", "SD-v15")))) {
            throw new ConfigFileException(file, "MixedInversion.idm = " + inversion.get("idm") + ": only SD-v15 exists");
        }
        switch (idm) {
            case "ControlNet" -> {
                out.put("task", "controlnet");
                String condition = condition(idmSection, file);
                out.put("condition", condition);
                // models/ControlNet/infer.py converts the frames to [0, 1] before ToPILImage
                out.put("condition_input", "clean");
                String folder = switch (condition) {
                    case "depth" -> "ControlNet/control_v11f1p_sd15_depth";
                    case "openpose" -> "ControlNet/control_v11p_sd15_openpose";
                    default -> "ControlNet/control_v11p_sd15_canny";
                };
                models.put("controlnet", checkpoints.folder(folder));
            }
            case "T2IAdapter" -> {
                out.put("task", "t2i-adapter");
                String condition = condition(idmSection, file);
                out.put("condition", condition);
                // models/T2IAdapter/infer.py hands the [-1, 1] frames to ToPILImage (its (x + 1) / 2 is commented out)
                out.put("condition_input", "reference-wrap");
                models.put("t2i_adapter", checkpoints.folder("T2IAdapter/t2iadapter_"
                        + ("depth".equals(condition) ? "depth" : "canny") + "_sd15v2"));
            }
            case "InstructPix2Pix" -> {
                out.put("task", "ip2p");
                models.put("instruct_pix2pix", checkpoints.folder("InstructPix2Pix/instruct-pix2pix"));
            }
            case "StableDiffusionInpainting", "StableDiffusionOutpainting" -> {
                boolean in = idm.equals("StableDiffusionInpainting");
                out.put("task", in ? "inpaint" : "outpaint");
                models.put("inpainting", checkpoints.folder("StableDiffusionInpainting/stable-diffusion-inpainting"));
                if (in) {
                    out.put("mask_video", idmSection.get("video_mask_path"));
                } else {
                    out.put("mask_type", idmSection.getOrDefault("mask_type", "horizontal"));
                }
            }
            case "Prompt2Prompt" -> {
                out.put("task", "p2p");
                out.put("edit", prompt2prompt(idmSection, file));
                // infer.py edits from IDM.Prompt2Prompt.prompts[0], not from Model.idm_prompt
                out.put("prompt", String.valueOf(((List<?>) idmSection.get("prompts")).getFirst()));
            }
            default -> throw new ConfigFileException(file, "Model.idm = '" + idm + "' is not one of ControlNet, "
                    + "T2IAdapter, InstructPix2Pix, Prompt2Prompt, StableDiffusionInpainting, "
                    + "StableDiffusionOutpainting");
        }
        if (idmSection.get("mixing_ratio") != null) {
            out.put("mixing_ratio", idmSection.get("mixing_ratio"));
        }
        String vdm = String.valueOf(model.get("vdm"));
        switch (vdm) {
            case "ZeroScope" -> {
                Map<String, Object> zeroscope = vdms.get("ZeroScope") instanceof Map<?, ?> z
                        ? (Map<String, Object>) z : Map.of();
                models.put("video", checkpoint(zeroscope.getOrDefault("ckpt_path", ROOT + "ZeroScope/zeroscope_v2_576w"),
                        checkpoints));
            }
            case "VidRD" -> vidrd(vdms, models, file, checkpoints);
            default -> throw new ConfigFileException(file, "Model.vdm = '" + vdm + "' is not ZeroScope or VidRD");
        }
        if ("depth".equals(out.get("condition"))) {
            models.put("depth", midas(checkpoints));
        }
        out.put("models", models);
        if (!out.containsKey("prompt")) {
            copy(model, out, "idm_prompt", "prompt");
        }
        copy(model, out, "vdm_prompt", "video_prompt");
        copy(model, out, "video_path", "video");
        copy(model, out, "output_path", "output");
        for (String k : new String[] {"video_length", "width", "height", "frame_rate", "seed", "guidance_scale"}) {
            copy(model, out, k, k);
        }
        copy(model, out, "num_inference_steps", "steps");
        // inference.py and models/util.py write every video with imageio at fps=8, whatever the source's rate
        out.put("fps", REFERENCE_FPS);
        return out;
    }

    /**
     * IDM.Prompt2Prompt: {@code prompts} [source, edited], {@code controller_type} AttentionReplace /
     * AttentionRefine, {@code local_blend_words}; the edit section of bivdiff's schema.
     */
    private static Map<String, Object> prompt2prompt(Map<String, Object> idmSection, Path file)
            throws ConfigFileException {
        if (!(idmSection.get("prompts") instanceof List<?> prompts) || prompts.size() != 2) {
            throw new ConfigFileException(file, "IDM.Prompt2Prompt.prompts must be [source prompt, edited prompt], got "
                    + idmSection.get("prompts"));
        }
        Map<String, Object> edit = new LinkedHashMap<>();
        edit.put("prompt", String.valueOf(prompts.get(1)));
        String controller = String.valueOf(idmSection.getOrDefault("controller_type", "AttentionRefine"));
        edit.put("type", switch (controller) {
            case "AttentionReplace" -> "replace";
            case "AttentionRefine" -> "refine";
            default -> throw new ConfigFileException(file, "IDM.Prompt2Prompt.controller_type '" + controller
                    + "' is not AttentionReplace or AttentionRefine");
        });
        if (idmSection.get("local_blend_words") != null) {
            edit.put("local_blend_words", idmSection.get("local_blend_words"));
        }
        return edit;
    }

    /**
     * VDM.VidRD, the arguments of {@code SDVideoModel}: {@code pretrained_model_path} (Stable Diffusion 2.1-base),
     * {@code ckpt_path} (ModelT2V.pth) and {@code from_pretrained_2d}'s temporal layers, which must be those of
     * VidRD's checkpoint. Its {@code guidance_scale}, {@code num_inference_steps} and {@code resolution} are not
     * read by inference.py, which takes them from {@code Model}.
     */
    private static void vidrd(Map<String, Object> vdms, Map<String, Object> models, Path file,
                              Checkpoints checkpoints)
            throws ConfigFileException {
        if (!(vdms.get("VidRD") instanceof Map<?, ?> vidrd)) {
            throw new ConfigFileException(file, "Model.vdm = VidRD needs a VDM.VidRD section");
        }
        for (String key : new String[] {"pretrained_model_path", "ckpt_path"}) {
            if (vidrd.get(key) == null) {
                throw new ConfigFileException(file, "VDM.VidRD." + key + " is not set");
            }
        }
        Map<String, Boolean> kwargs = new LinkedHashMap<>();
        for (String key : VidRDUNet3DConditionModel.Options.KWARGS) {
            if (vidrd.get(key) != null) {
                kwargs.put(key, Boolean.TRUE.equals(vidrd.get(key)));
            }
        }
        VidRDUNet3DConditionModel.Options options;
        try {
            options = VidRDUNet3DConditionModel.Options.fromPretrained2dKwargs(kwargs);
        } catch (IllegalArgumentException e) {
            throw new ConfigFileException(file, "VDM.VidRD: " + e.getMessage());
        }
        if (!options.equals(VidRDUNet3DConditionModel.Options.VIDRD)) {
            throw new ConfigFileException(file, "VDM.VidRD: add_temp_embed and add_temp_conv must both be true, "
                    + "as VidRD's checkpoint was trained; got " + kwargs);
        }
        models.put("video", checkpoint(vidrd.get("pretrained_model_path"), checkpoints));
        models.put("vidrd_checkpoint", checkpoint(vidrd.get("ckpt_path"), checkpoints));
    }

    private static String condition(Map<String, Object> idmSection, Path file) throws ConfigFileException {
        String c = String.valueOf(idmSection.getOrDefault("condition", "canny"));
        return switch (c) {
            case "canny" -> "canny";
            case "depth_midas" -> "depth";
            case "openpose" -> "openpose";
            default -> throw new ConfigFileException(file, "condition '" + c + "' is not one of canny, depth_midas, openpose");
        };
    }

    /**
     * MiDaS for depth runs: the original {@code .pt} where it exists, else the transformers folder where that
     * exists, else the {@code .pt} (so that the error names the file controlnet_aux reads). With
     * {@code --checkpoints hub}, which knows no repository of a single file, the transformers repository.
     */
    private static String midas(Checkpoints checkpoints) throws ConfigFileException {
        String folder = checkpoints.folder(MIDAS_FOLDER);
        String pt;
        try {
            pt = checkpoints.folder(MIDAS_CHECKPOINT);
        } catch (ConfigFileException hubHasNoFile) {
            return folder;
        }
        return !Files.exists(Path.of(pt)) && Files.isDirectory(Path.of(folder)) ? folder : pt;
    }

    private static String checkpoint(Object path, Checkpoints checkpoints) throws ConfigFileException {
        String s = String.valueOf(path);
        return s.startsWith(ROOT) ? checkpoints.folder(s.substring(ROOT.length())) : s;
    }

    private static void copy(Map<String, Object> from, Map<String, Object> to, String key, String as) {
        if (from.get(key) != null) {
            to.put(as, from.get(key));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> raw, String key, Path file) throws ConfigFileException {
        Object v = raw.get(key);
        if (!(v instanceof Map<?, ?>)) {
            throw new ConfigFileException(file, "official BIVDiff config without a '" + key + "' section");
        }
        return (Map<String, Object>) v;
    }
}
