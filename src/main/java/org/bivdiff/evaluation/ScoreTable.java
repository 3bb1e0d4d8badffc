package org.bivdiff.evaluation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.bivdiff.io.CsvFile;

/**
 * The scores of several videos in one table, with the mean over them and the definition of every metric:
 * as text for the terminal, as Markdown, as CSV (one line per video) and as JSON.
 */
public final class ScoreTable {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One scored video.
     *
     * @param name    how the video is called in the table
     * @param extra   further columns before the scores, in order (strategy, mixing ratio, ...)
     * @param prompt  the prompt it was scored against
     * @param source  where its frames came from
     * @param scores  the metrics
     */
    public record Row(String name, Map<String, String> extra, String prompt, String source, Scores scores) {

        public Row {
            extra = new LinkedHashMap<>(extra);
        }

        /** A row without extra columns. */
        public Row(String name, String prompt, String source, Scores scores) {
            this(name, Map.of(), prompt, source, scores);
        }
    }

    private final String title;
    private final String model;
    private final boolean withMean;
    private final List<Row> rows = new ArrayList<>();

    /**
     * @param title    what was scored (a run folder, a benchmark)
     * @param model    the CLIP model the scores come from
     * @param withMean whether the mean over the rows is part of the table (a benchmark's score), or the rows are
     *                 compared with each other only (a run's result and its image-model frames, an ablation)
     */
    public ScoreTable(String title, String model, boolean withMean) {
        this.title = title;
        this.model = model;
        this.withMean = withMean;
    }

    public ScoreTable add(Row row) {
        rows.add(row);
        return this;
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** The mean of {@code metric} over the rows (as the reference's {@code np.mean(scores)}: NaN if any is). */
    public double mean(Metric metric) {
        double sum = 0;
        for (Row r : rows) {
            sum += r.scores().get(metric);
        }
        return sum / rows.size();
    }

    /** Columns aligned for the terminal, the mean below (if it is part of the table), then the metric definitions. */
    public String text() {
        List<List<String>> cells = new ArrayList<>();
        cells.add(header(false));
        rows.forEach(r -> cells.add(cells(r, false)));
        if (withMean) {
            cells.add(meanCells(false));
        }
        int[] width = new int[cells.getFirst().size()];
        for (List<String> line : cells) {
            for (int i = 0; i < line.size(); i++) {
                width[i] = Math.max(width[i], line.get(i).length());
            }
        }
        StringBuilder b = new StringBuilder(title).append("\nCLIP model: ").append(model).append('\n');
        List<String> prompts = rows.stream().map(Row::prompt).distinct().toList();
        if (prompts.size() == 1) {
            b.append("prompt: ").append(prompts.getFirst()).append('\n');
        }
        b.append('\n');
        for (List<String> line : cells) {
            for (int i = 0; i < line.size(); i++) {
                String cell = line.get(i);
                b.append(i == 0 ? String.format("%-" + width[i] + "s", cell) : "  " + String.format("%" + width[i] + "s", cell));
            }
            b.append('\n');
        }
        return b.append('\n').append(definitions("")).toString();
    }

    /** A Markdown table with the prompts, the mean row, and the definitions as a list. */
    public String markdown() {
        StringBuilder b = new StringBuilder("# ").append(title).append("\n\nCLIP model: `").append(model).append("`\n\n");
        List<String> header = header(true);
        b.append("| ").append(String.join(" | ", header)).append(" |\n|");
        for (int i = 0; i < header.size(); i++) {
            b.append(i == 0 ? " --- |" : " ---: |");
        }
        b.append('\n');
        rows.forEach(r -> b.append("| ").append(String.join(" | ", escape(cells(r, true)))).append(" |\n"));
        if (withMean) {
            b.append("| ").append(String.join(" | ", meanCells(true))).append(" |\n");
        }
        return b.append('\n').append(definitions("* ")).toString();
    }

    /** One line per video: name, extra columns, prompt, frames, the metrics by key, source. */
    public String csv() {
        List<String> header = new ArrayList<>(List.of("name"));
        header.addAll(extraColumns());
        header.addAll(List.of("prompt", "frames"));
        for (Metric m : Metric.values()) {
            header.add(m.key());
        }
        header.add("source");
        StringBuilder b = new StringBuilder(CsvFile.line(header)).append('\n');
        for (Row r : rows) {
            List<String> line = new ArrayList<>(List.of(r.name()));
            extraColumns().forEach(c -> line.add(r.extra().getOrDefault(c, "")));
            line.add(r.prompt());
            line.add(Integer.toString(r.scores().frames()));
            for (Metric m : Metric.values()) {
                double v = r.scores().get(m);
                line.add(Double.isNaN(v) ? "" : Double.toString(v));
            }
            line.add(r.source());
            b.append(CsvFile.line(line)).append('\n');
        }
        return b.toString();
    }

    /** The whole table as JSON: title, model, definitions, one object per video, the means. */
    public String json() throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("title", title);
        root.put("clip_model", model);
        Map<String, String> definitions = new LinkedHashMap<>();
        for (Metric m : Metric.values()) {
            definitions.put(m.key(), m.definition());
        }
        root.put("definitions", definitions);
        List<Map<String, Object>> videos = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("name", r.name());
            v.putAll(r.extra());
            v.put("prompt", r.prompt());
            v.put("frames", r.scores().frames());
            v.put("source", r.source());
            v.put("scores", values(r.scores()::get));
            videos.add(v);
        }
        root.put("videos", videos);
        if (withMean) {
            root.put("mean", values(this::mean));
        }
        return JSON.writeValueAsString(root) + "\n";
    }

    /** Writes {@code table.md}, {@code scores.csv} and {@code scores.json} into {@code folder}. */
    public void write(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("table.md"), markdown());
        Files.writeString(folder.resolve("scores.csv"), csv());
        Files.writeString(folder.resolve("scores.json"), json());
    }

    private interface MetricValue {
        double of(Metric m);
    }

    private static Map<String, Object> values(MetricValue value) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Metric metric : Metric.values()) {
            double v = value.of(metric);
            m.put(metric.key(), Double.isNaN(v) ? null : v);
        }
        return m;
    }

    private List<String> extraColumns() {
        List<String> columns = new ArrayList<>();
        for (Row r : rows) {
            r.extra().keySet().stream().filter(k -> !columns.contains(k)).forEach(columns::add);
        }
        return columns;
    }

    private List<String> header(boolean withPrompt) {
        List<String> h = new ArrayList<>(List.of("video"));
        h.addAll(extraColumns());
        if (withPrompt) {
            h.add("prompt");
        }
        h.add("frames");
        for (Metric m : Metric.values()) {
            h.add(m.header());
        }
        return h;
    }

    private List<String> cells(Row r, boolean withPrompt) {
        List<String> c = new ArrayList<>(List.of(r.name()));
        extraColumns().forEach(k -> c.add(r.extra().getOrDefault(k, "")));
        if (withPrompt) {
            c.add(r.prompt());
        }
        c.add(Integer.toString(r.scores().frames()));
        for (Metric m : Metric.values()) {
            c.add(format(r.scores().get(m)));
        }
        return c;
    }

    private List<String> meanCells(boolean withPrompt) {
        List<String> c = new ArrayList<>(List.of("mean of " + rows.size()));
        extraColumns().forEach(k -> c.add(""));
        if (withPrompt) {
            c.add("");
        }
        c.add("");
        for (Metric m : Metric.values()) {
            c.add(format(mean(m)));
        }
        return c;
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static List<String> escape(List<String> cells) {
        return cells.stream().map(c -> c.replace("|", "\\|")).toList();
    }

    private static String definitions(String bullet) {
        StringBuilder b = new StringBuilder();
        for (Metric m : Metric.values()) {
            b.append(bullet).append(m.header()).append(": ").append(m.definition()).append('\n');
        }
        return b.toString();
    }
}
