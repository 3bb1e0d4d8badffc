package org.bivdiff.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads an ONNX Runtime profile (the JSON trace a session writes when profiling is on) into kernel
 * time per op type for each {@code run} call. Op types are those of the optimised graph ONNX Runtime
 * ran (e.g. {@code FusedConv}, {@code FusedGemm}), not of the graph we built.
 */
public final class ProfileSummary {

    private ProfileSummary() {
    }

    /** Kernel microseconds by op type, one map per run, in the order the runs happened. */
    public static List<Map<String, Long>> perRun(Path profile) throws IOException {
        JsonNode events = new ObjectMapper().readTree(profile.toFile());
        List<long[]> windows = new ArrayList<>();                  // {start, end} of each model_run
        for (JsonNode e : events) {
            if ("Session".equals(e.path("cat").asText()) && "model_run".equals(e.path("name").asText())) {
                long ts = e.path("ts").asLong();
                windows.add(new long[] {ts, ts + e.path("dur").asLong()});
            }
        }
        windows.sort((a, b) -> Long.compare(a[0], b[0]));
        List<Map<String, Long>> runs = new ArrayList<>();
        windows.forEach(w -> runs.add(new LinkedHashMap<>()));
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText()) || !e.path("name").asText().endsWith("_kernel_time")) {
                continue;
            }
            long ts = e.path("ts").asLong();
            for (int i = 0; i < windows.size(); i++) {
                if (ts >= windows.get(i)[0] && ts <= windows.get(i)[1]) {
                    runs.get(i).merge(e.path("args").path("op_name").asText("?"), e.path("dur").asLong(), Long::sum);
                    break;
                }
            }
        }
        return runs;
    }

    /** Average milliseconds per op type over runs {@code [from, to)}, largest first. */
    public static Map<String, Double> averageMs(List<Map<String, Long>> runs, int from, int to) {
        Map<String, Long> sum = new LinkedHashMap<>();
        for (Map<String, Long> r : runs.subList(from, to)) {
            r.forEach((op, us) -> sum.merge(op, us, Long::sum));
        }
        Map<String, Double> out = new LinkedHashMap<>();
        sum.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue() / 1000.0 / (to - from)));
        return out;
    }

    /** The newest profile file ONNX Runtime wrote for {@code prefix} (it appends a date and {@code .json}). */
    public static Path newest(String prefix) throws IOException {
        Path p = Path.of(prefix).toAbsolutePath();
        Path dir = p.getParent();
        String start = p.getFileName().toString();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith(start) && f.toString().endsWith(".json"))
                    .max((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified()))
                    .orElseThrow(() -> new IOException("ONNX Runtime wrote no profile " + prefix + "*.json"));
        }
    }
}
