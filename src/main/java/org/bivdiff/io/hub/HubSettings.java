package org.bivdiff.io.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the Hub and the cache are, read from the environment exactly as {@code huggingface_hub}
 * reads it ({@code constants.py}, {@code utils/_auth.py}), so that both share one cache and one login:
 * <ul>
 * <li>endpoint: {@code $HF_ENDPOINT}, default {@code https://huggingface.co};</li>
 * <li>cache: {@code $HF_HUB_CACHE}, else {@code $HUGGINGFACE_HUB_CACHE}, else {@code $HF_HOME/hub}, with
 *     {@code $HF_HOME} defaulting to {@code $XDG_CACHE_HOME/huggingface}, else
 *     {@code ~/.cache/huggingface};</li>
 * <li>token: {@code $HF_TOKEN}, else {@code $HUGGING_FACE_HUB_TOKEN}, else the file {@code $HF_TOKEN_PATH}
 *     (default {@code $HF_HOME/token}) as {@code hf auth login} writes it; blank means none;</li>
 * <li>offline: {@code $HF_HUB_OFFLINE} (or {@code $TRANSFORMERS_OFFLINE}) set to 1, ON, YES or TRUE.</li>
 * </ul>
 *
 * @param endpoint the Hub, without a trailing slash
 * @param cache    the cache folder holding {@code models--ORG--NAME} folders
 * @param token    the access token for gated and private repositories, if any
 * @param offline  resolve everything from the cache, without any request
 */
public record HubSettings(URI endpoint, Path cache, Optional<String> token, boolean offline) {

    /** The Hub itself. */
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

    public HubSettings {
        String e = endpoint.toString();
        endpoint = URI.create(e.endsWith("/") ? e.substring(0, e.length() - 1) : e);
        cache = cache.toAbsolutePath().normalize();
        token = token.map(String::strip).filter(t -> !t.isEmpty());
    }

    /** The settings of this process's environment. */
    public static HubSettings fromEnvironment() throws IOException {
        return from(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /**
     * The settings {@code env} describes, for a user whose home folder is {@code home}.
     *
     * @throws HubException if the token file exists but cannot be read
     */
    public static HubSettings from(Map<String, String> env, Path home) throws IOException {
        Path hfHome = set(env, "HF_HOME").map(v -> expand(v, home))
                .orElseGet(() -> set(env, "XDG_CACHE_HOME").map(v -> expand(v, home))
                        .orElse(home.resolve(".cache")).resolve("huggingface"));
        Path cache = set(env, "HF_HUB_CACHE").or(() -> set(env, "HUGGINGFACE_HUB_CACHE")).map(v -> expand(v, home))
                .orElse(hfHome.resolve("hub"));
        URI endpoint = set(env, "HF_ENDPOINT").map(URI::create).orElse(DEFAULT_ENDPOINT);
        Optional<String> token = set(env, "HF_TOKEN").or(() -> set(env, "HUGGING_FACE_HUB_TOKEN"));
        if (token.isEmpty()) {
            Path file = set(env, "HF_TOKEN_PATH").map(v -> expand(v, home)).orElse(hfHome.resolve("token"));
            token = readToken(file);
        }
        boolean offline = set(env, "HF_HUB_OFFLINE").or(() -> set(env, "TRANSFORMERS_OFFLINE"))
                .map(v -> TRUE.contains(v.toUpperCase(Locale.ROOT))).orElse(false);
        return new HubSettings(endpoint, cache, token, offline);
    }

    /** The same settings with another cache folder. */
    public HubSettings withCache(Path folder) {
        return new HubSettings(endpoint, folder, token, offline);
    }

    @Override
    public String toString() {
        // never print the token
        return "HubSettings[" + endpoint + ", cache " + cache + (token.isPresent() ? ", with a token" : "")
                + (offline ? ", offline" : "") + "]";
    }

    private static Optional<String> readToken(Path file) throws HubException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file));
        } catch (IOException e) {
            throw new HubException(file + ": the Hugging Face token file cannot be read: " + e.getMessage(), e);
        }
    }

    private static Optional<String> set(Map<String, String> env, String key) {
        String v = env.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
    }

    /** {@code ~} and {@code ~/...} as the shell and Python's {@code expanduser} read them. */
    private static Path expand(String value, Path home) {
        if (value.equals("~")) {
            return home;
        }
        return value.startsWith("~/") ? home.resolve(value.substring(2)) : Path.of(value);
    }
}
