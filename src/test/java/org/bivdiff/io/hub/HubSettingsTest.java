package org.bivdiff.io.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The environment read as huggingface_hub reads it. */
class HubSettingsTest {

    @TempDir
    Path home;

    @Test
    void defaults() throws IOException {
        HubSettings s = HubSettings.from(Map.of(), home);
        assertEquals(URI.create("https://huggingface.co"), s.endpoint());
        assertEquals(home.resolve(".cache/huggingface/hub"), s.cache());
        assertEquals(Optional.empty(), s.token());
        assertFalse(s.offline());
    }

    @Test
    void cacheFolderPrecedence() throws IOException {
        assertEquals(home.resolve("x/huggingface/hub"), HubSettings.from(Map.of("XDG_CACHE_HOME", home + "/x"), home).cache());
        assertEquals(home.resolve("hf/hub"), HubSettings.from(Map.of("XDG_CACHE_HOME", "/x", "HF_HOME", "~/hf"), home).cache());
        assertEquals(Path.of("/legacy"), HubSettings.from(Map.of("HF_HOME", "/h", "HUGGINGFACE_HUB_CACHE", "/legacy"),
                home).cache());
        assertEquals(Path.of("/c"), HubSettings.from(Map.of("HUGGINGFACE_HUB_CACHE", "/legacy", "HF_HUB_CACHE", "/c"),
                home).cache());
    }

    @Test
    void tokenFromEnvironmentThenFile() throws IOException {
        Files.createDirectories(home.resolve(".cache/huggingface"));
        Files.writeString(home.resolve(".cache/huggingface/token"), "hf_from_file\n");
        assertEquals(Optional.of("hf_from_file"), HubSettings.from(Map.of(), home).token());
        assertEquals(Optional.of("hf_env"), HubSettings.from(Map.of("HF_TOKEN", "hf_env"), home).token());
        assertEquals(Optional.of("hf_old"), HubSettings.from(Map.of("HF_TOKEN", "", "HUGGING_FACE_HUB_TOKEN", "hf_old"),
                home).token(), "an empty HF_TOKEN is none");
        Files.writeString(home.resolve("t"), "  ");
        assertEquals(Optional.empty(), HubSettings.from(Map.of("HF_TOKEN_PATH", home.resolve("t").toString()), home)
                .token(), "a blank token file is no token");
        assertFalse(HubSettings.from(Map.of("HF_TOKEN", "hf_secret"), home).toString().contains("hf_secret"));
    }

    @Test
    void offlineAndEndpoint() throws IOException {
        for (String v : new String[] {"1", "on", "YES", "true"}) {
            assertTrue(HubSettings.from(Map.of("HF_HUB_OFFLINE", v), home).offline(), v);
        }
        assertFalse(HubSettings.from(Map.of("HF_HUB_OFFLINE", "0", "TRANSFORMERS_OFFLINE", "1"), home).offline(),
                "HF_HUB_OFFLINE decides when set");
        assertTrue(HubSettings.from(Map.of("TRANSFORMERS_OFFLINE", "1"), home).offline());
        assertEquals(URI.create("http://127.0.0.1:8080/hf"),
                HubSettings.from(Map.of("HF_ENDPOINT", "http://127.0.0.1:8080/hf/"), home).endpoint());
    }
}
