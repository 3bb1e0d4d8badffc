package org.bivdiff.models.clip;

import java.io.IOException;
import java.nio.file.Path;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;

/**
 * The {@code config.json} of a transformers {@code CLIPModel} (a {@code CLIPConfig}): both towers and the
 * width of the shared embedding space.
 *
 * <p>Older checkpoints, {@code openai/clip-vit-large-patch14} among them, also carry
 * {@code text_config_dict} / {@code vision_config_dict}. transformers (models/clip/configuration_clip.py,
 * {@code CLIPConfig.__init__}) then builds {@code CLIPTextConfig(**text_config_dict)} with every other field at
 * its default and lets that override {@code text_config} key by key; as every field is present after the
 * defaults are filled in, {@code text_config} has no say at all. This reads them the same way.
 *
 * @param text          the text tower
 * @param vision        the vision tower
 * @param projectionDim P, the width of {@code text_projection} and {@code visual_projection}
 */
public record ClipConfig(ClipTextConfig text, ClipVisionConfig vision, int projectionDim) {

    public ClipConfig {
        if (projectionDim <= 0) {
            throw new IllegalArgumentException("projection_dim must be positive, got " + projectionDim);
        }
    }

    /** Reads {@code folder/config.json}; defaults are transformers' {@code CLIPConfig} defaults. */
    public static ClipConfig read(Path folder) throws IOException {
        ConfigJson c = ConfigJson.read(folder.resolve("config.json"));
        String modelType = c.string("model_type", "clip");
        if (!modelType.equals("clip")) {
            throw new ConfigException(c.file() + ": model_type is '" + modelType + "', expected clip (a CLIPModel "
                    + "folder such as openai/clip-vit-large-patch14)");
        }
        ClipArchitecture.CLIP_MODEL.check(c);
        ConfigJson text = c.object(c.has("text_config_dict") ? "text_config_dict" : "text_config");
        ClipTextConfig textConfig = ClipTextConfig.read(text);
        text.finish();
        ConfigJson vision = c.object(c.has("vision_config_dict") ? "vision_config_dict" : "vision_config");
        ClipVisionConfig visionConfig = ClipVisionConfig.read(vision);
        vision.ignore("projection_dim");
        vision.finish();
        ClipConfig cfg;
        try {
            cfg = new ClipConfig(textConfig, visionConfig, c.integer("projection_dim", 512));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.file() + ": " + e.getMessage());
        }
        // Overridden by the *_config_dict entries when those exist (see above); the initial logit scale is
        // training-only (the trained value is the logit_scale weight).
        c.ignore("text_config", "vision_config", "logit_scale_init_value");
        PretrainedConfigKeys.ignore(c);
        c.finish();
        return cfg;
    }
}
