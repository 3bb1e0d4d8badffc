package org.bivdiff.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.bivdiff.cli.config.RunConfig;

/**
 * A run's {@code run.json}, which tells the truth about the run at every moment: {@code status} is
 * {@code running} (with the stage it is in), then exactly one of {@code complete}, {@code failed} (with the
 * error and the stage it happened in) or {@code interrupted} (Ctrl-C or another signal, with the stage).
 * The first final status wins: a signal's {@code interrupted} is not overwritten by the error the stopped
 * run then throws. Once the source is read it also gives the video's {@code frames} and {@code fps} (the
 * rate the videos are written at, the source's own when the config gives none). Safe to call from a shutdown
 * hook while the run's thread is writing.
 */
final class RunRecord {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final RunFolder folder;
    private final RunConfig config;
    private final Instant started = Instant.now();
    private String stage = "starting";
    private boolean finished;
    private int frames;
    private double fps;

    /** Writes {@code run.json} with status {@code running}. */
    RunRecord(RunFolder folder, RunConfig config) throws IOException {
        this.folder = folder;
        this.config = config;
        write("running", Map.of(), Set.of(), null);
    }

    /** The run entered {@code stage} (a stage's progress name, or a step such as "writing outputs"). */
    synchronized void stage(String name) throws IOException {
        if (!finished && !name.equals(stage)) {
            stage = name;
            write("running", Map.of(), Set.of(), null);
        }
    }

    /** The video the run makes, once its source is read: how many frames, at what rate they are written. */
    synchronized void video(int frameCount, double framesPerSecond) throws IOException {
        frames = frameCount;
        fps = framesPerSecond;
        if (!finished) {
            write("running", Map.of(), Set.of(), null);
        }
    }

    synchronized String stage() {
        return stage;
    }

    synchronized void complete(Map<String, Duration> times, Set<String> resumed) throws IOException {
        finish("complete", times, resumed, null);
    }

    synchronized void failed(String error) throws IOException {
        finish("failed", Map.of(), Set.of(), error);
    }

    synchronized void interrupted(String how) throws IOException {
        finish("interrupted", Map.of(), Set.of(), how);
    }

    private void finish(String status, Map<String, Duration> times, Set<String> resumed, String error)
            throws IOException {
        if (!finished) {
            finished = true;
            write(status, times, resumed, error);
        }
    }

    private void write(String status, Map<String, Duration> times, Set<String> resumed, String error)
            throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", status);
        if (!status.equals("complete")) {
            json.put("stage", stage);
        }
        if (error != null) {
            json.put("error", error);
        }
        json.put("started", started.toString());
        if (!status.equals("running")) {
            json.put("finished", Instant.now().toString());
        }
        json.put("config", configJson(config));
        if (frames > 0) {
            json.put("frames", frames);
            json.put("fps", fps);
        }
        Map<String, Double> seconds = new LinkedHashMap<>();
        times.forEach((k, v) -> seconds.put(k, v.toNanos() / 1e9));
        json.put("stage_seconds", seconds);
        json.put("resumed_stages", new ArrayList<>(resumed));
        folder.writeAtomically("run.json", file -> JSON.writeValue(file.toFile(), json));
    }

    /** Every component of a record (the run config and its nested records), paths and enums as text. */
    private static Map<String, Object> configJson(Record r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (var component : r.getClass().getRecordComponents()) {
            try {
                Object v = component.getAccessor().invoke(r);
                m.put(component.getName(), v instanceof Record nested ? configJson(nested)
                        : v instanceof Path || v instanceof Enum<?> ? String.valueOf(v) : v);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return m;
    }
}
