package org.bivdiff.models.clip;

import java.util.List;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;

/** The transformers model classes whose CLIP weights this implementation loads, spelled as in {@code architectures}. */
enum ClipArchitecture implements ConfigJson.Spelled {
    CLIP_TEXT_MODEL("CLIPTextModel"),
    CLIP_VISION_MODEL_WITH_PROJECTION("CLIPVisionModelWithProjection"),
    CLIP_MODEL("CLIPModel");

    private final String spelling;

    ClipArchitecture(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }

    /** Refuses a config whose {@code architectures}, when given, is not exactly this class. */
    void check(ConfigJson c) throws ConfigException {
        if (c.has("architectures")) {
            List<ClipArchitecture> archs = c.enumList("architectures", ClipArchitecture.class);
            if (!archs.equals(List.of(this))) {
                throw new ConfigException(c.file() + ": architectures " + archs.stream().map(ClipArchitecture::spelling)
                        .toList() + ", expected [" + spelling + "] here");
            }
        }
    }
}
