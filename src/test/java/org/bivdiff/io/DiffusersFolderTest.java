package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.bivdiff.conformance.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiffusersFolderTest {

    @Test
    void readsTheFixturePipeline() throws Exception {
        DiffusersFolder f = DiffusersFolder.open(Fixtures.root().resolve("models/tiny-sd15"));
        assertTrue(f.component("vae").isPresent());
        assertEquals("AutoencoderKL", f.component("vae").orElseThrow().className());
        assertEquals("transformers", f.component("text_encoder").orElseThrow().library());
        assertTrue(Files.isDirectory(f.require("unet")));
    }

    @Test
    void disabledComponentsAreAbsent(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("model_index.json"), """
                {"_class_name": "StableDiffusionPipeline", "requires_safety_checker": false,
                 "safety_checker": [null, null], "vae": ["diffusers", "AutoencoderKL"]}""");
        DiffusersFolder f = DiffusersFolder.open(dir);
        assertEquals("StableDiffusionPipeline", f.pipelineClass());
        assertFalse(f.component("safety_checker").isPresent());
        var missing = assertThrows(ConfigException.class, () -> f.require("vae"));
        assertTrue(missing.getMessage().contains("missing"), missing.getMessage());
        var unknown = assertThrows(ConfigException.class, () -> f.require("unet"));
        assertTrue(unknown.getMessage().contains("no component 'unet'"), unknown.getMessage());
    }

    @Test
    void badIndexFilesAreNamed(@TempDir Path dir) throws Exception {
        var none = assertThrows(ConfigException.class, () -> DiffusersFolder.open(dir));
        assertTrue(none.getMessage().contains("model_index.json"), none.getMessage());
        Files.writeString(dir.resolve("model_index.json"), "{\"vae\": [\"diffusers\"]}");
        var shape = assertThrows(ConfigException.class, () -> DiffusersFolder.open(dir));
        assertTrue(shape.getMessage().contains("'vae'"), shape.getMessage());
        Files.writeString(dir.resolve("model_index.json"), "{not json");
        var json = assertThrows(ConfigException.class, () -> DiffusersFolder.open(dir));
        assertTrue(json.getMessage().contains("not valid JSON"), json.getMessage());
    }
}
