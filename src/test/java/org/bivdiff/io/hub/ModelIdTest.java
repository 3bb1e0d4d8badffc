package org.bivdiff.io.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class ModelIdTest {

    @Test
    void idsWithRevisionAndSubfolder() {
        assertEquals(Optional.of(new ModelId("stable-diffusion-v1-5/stable-diffusion-v1-5", "main", "")),
                ModelId.parse("stable-diffusion-v1-5/stable-diffusion-v1-5"));
        assertEquals(Optional.of(new ModelId("lllyasviel/control_v11p_sd15_canny", "v1.1", "")),
                ModelId.parse("lllyasviel/control_v11p_sd15_canny@v1.1"));
        ModelId sub = ModelId.parse("stabilityai/stable-diffusion-2-1-base@5ede9e4bf3e3fd1cb0ef2f7a3fff13ee514fdf06/unet")
                .orElseThrow();
        assertEquals("stabilityai/stable-diffusion-2-1-base", sub.repo());
        assertTrue(ModelId.isCommit(sub.revision()));
        assertEquals("unet", sub.subfolder());
        assertEquals("models--stabilityai--stable-diffusion-2-1-base", sub.folderName());
        assertEquals("stabilityai/stable-diffusion-2-1-base@5ede9e4bf3e3fd1cb0ef2f7a3fff13ee514fdf06/unet", sub.toString());
        assertEquals("org/name/unet", ModelId.parse("org/name/unet/").orElseThrow().toString());
    }

    @Test
    void pathsAndBadNamesAreNoIds() {
        for (String s : new String[] {"sd15", "/models/sd15", "./a/b", "../a/b", "~/a/b", "a//b", "a/b@", "a/b@x/../c",
                "a/../b", "-a/b", "a/b-", "a/b--c", "a..b/c", "a/b.git", "a/b c", "a\\b", "a/b@x@y", "a/b/./c", ""}) {
            assertEquals(Optional.empty(), ModelId.parse(s), s);
        }
        HubException e = assertThrows(HubException.class, () -> ModelId.require("sd15"));
        assertTrue(e.getMessage().contains("ORG/NAME[@REVISION][/SUBFOLDER]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ModelId("a/b", "x/y", ""));
    }
}
