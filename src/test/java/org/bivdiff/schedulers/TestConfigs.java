package org.bivdiff.schedulers;

import java.nio.file.Path;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;

/** Scheduler configs written inline for tests. */
final class TestConfigs {

    /** Stable Diffusion 1.5's scheduler_config.json (a PNDMScheduler config). */
    static final String SD15 = """
            {"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": false,
             "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true,
             "steps_offset": 1, "trained_betas": null}""";

    private TestConfigs() {
    }

    static SchedulerConfig parse(String json, SchedulerKind kind) throws ConfigException {
        return SchedulerConfig.read(ConfigJson.parse(Path.of("test.json"), json), kind);
    }

    static SchedulerConfig sd15(SchedulerKind kind) throws ConfigException {
        return parse(SD15, kind);
    }

    /** SD1.5 with one key replaced or added, e.g. {@code with("set_alpha_to_one", "true")}. */
    static SchedulerConfig sd15With(SchedulerKind kind, String key, String jsonValue) throws ConfigException {
        String body = SD15.replaceFirst("\"" + key + "\": [^,}]+,?", "");
        return parse(body.replaceFirst("\\{", "{\"" + key + "\": " + jsonValue + ", "), kind);
    }
}
