package org.bivdiff.evaluation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.CsvFile;

/**
 * A submission in the LOVEU-TGVE 2023 layout and its prompt table, read as showlab/loveu-tgve-2023
 * scripts/run_eval.py reads them: {@code LOVEU-TGVE-2023_Dataset.csv} holds one row per video with the columns
 * {@code Video name}, {@code Style Change Caption}, {@code Object Change Caption}, {@code Background Change
 * Caption} and {@code Multiple Changes Caption}; the edited frames of a video are the {@code *.jpg} files of
 * {@code <submission>/<section>/<video>/<edit>/} in sorted order, {@code <edit>} being the first word of the
 * column in lower case ({@code style}, {@code object}, {@code background}, {@code multiple}).
 *
 * <p>Which rows belong to which section is hard-coded in run_eval.py for the official table:
 * {@code df[1:17]} is {@code DAVIS_480p}, {@code df[19:42]} {@code youtube_480p}, {@code df[44:82]}
 * {@code videvo_480p}; {@link Rows#OFFICIAL} reads those rows exactly, including the reference's way with an
 * empty caption cell (pandas reads NaN, {@code str(NaN)} is the prompt {@code "nan"}). {@link Rows#ALL} is for
 * other tables in the same layout: every row that names a video is scored, in whichever section folder holds
 * it, and empty captions are skipped.
 */
public final class LoveuTgveBenchmark {

    /** The caption columns, in run_eval.py's order. */
    public static final List<String> EDIT_COLUMNS = List.of("Style Change Caption", "Object Change Caption",
            "Background Change Caption", "Multiple Changes Caption");
    /** The column naming each video. */
    public static final String VIDEO_COLUMN = "Video name";

    /** A section of the table: data rows {@code [from, to)} (pandas numbering) and the folder of their videos. */
    public record Section(String folder, int from, int to) {
    }

    /** run_eval.py's {@code sub_dfs}. */
    public static final List<Section> OFFICIAL_SECTIONS = List.of(new Section("DAVIS_480p", 1, 17),
            new Section("youtube_480p", 19, 42), new Section("videvo_480p", 44, 82));

    /** Which rows of the table are scored. */
    public enum Rows {
        /** run_eval.py's fixed row ranges of the official table ({@link #OFFICIAL_SECTIONS}). */
        OFFICIAL,
        /** Every row with a video name; its section is the submission folder that holds the video. */
        ALL
    }

    /**
     * One edited video to score.
     *
     * @param section its section folder ({@code DAVIS_480p})
     * @param video   the video's name
     * @param edit    {@code style}, {@code object}, {@code background} or {@code multiple}
     * @param prompt  the edited prompt, stripped
     * @param folder  where its frames are
     */
    public record Entry(String section, String video, String edit, String prompt, Path folder) {

        /** {@code section/video/edit}. */
        public String name() {
            return section + "/" + video + "/" + edit;
        }
    }

    private LoveuTgveBenchmark() {
    }

    /**
     * The edited videos of {@code submission} that {@code csv} lists, in the table's order.
     *
     * @throws IOException naming the file, column, row or folder that is missing (run_eval.py stops at a missing
     *     folder too)
     */
    public static List<Entry> entries(Path submission, Path csv, Rows rows) throws IOException {
        if (!Files.isDirectory(submission)) {
            throw new NoSuchFileException(submission.toString(), null, "no such submission folder");
        }
        CsvFile.Table table = CsvFile.read(csv);
        int videoColumn = table.column(VIDEO_COLUMN);
        List<Integer> editColumns = new ArrayList<>();
        for (String c : EDIT_COLUMNS) {
            editColumns.add(table.column(c));
        }
        List<Entry> out = new ArrayList<>();
        if (rows == Rows.OFFICIAL) {
            for (Section s : OFFICIAL_SECTIONS) {
                if (table.rows().size() < s.to()) {
                    throw new ConfigException(csv + ": has " + table.rows().size() + " data rows; run_eval.py reads "
                            + "rows " + s.from() + ".." + (s.to() - 1) + " as " + s.folder() + " (use the official "
                            + "table, or score every row of another table)");
                }
                for (int i = s.from(); i < s.to(); i++) {
                    addRow(out, submission, s.folder(), table.rows().get(i), videoColumn, editColumns, true);
                }
            }
        } else {
            for (List<String> row : table.rows()) {
                String video = row.get(videoColumn);
                if (!video.isBlank()) {
                    addRow(out, submission, sectionOf(submission, video), row, videoColumn, editColumns, false);
                }
            }
        }
        return out;
    }

    private static void addRow(List<Entry> out, Path submission, String section, List<String> row, int videoColumn,
                               List<Integer> editColumns, boolean nanForEmpty) throws IOException {
        String video = row.get(videoColumn).isEmpty() ? "nan" : row.get(videoColumn);
        for (int k = 0; k < EDIT_COLUMNS.size(); k++) {
            String cell = row.get(editColumns.get(k)).strip();
            if (cell.isEmpty() && !nanForEmpty) {
                continue;
            }
            String edit = EDIT_COLUMNS.get(k).split(" ")[0].toLowerCase(Locale.ROOT);
            Path folder = submission.resolve(section).resolve(video).resolve(edit);
            if (!Files.isDirectory(folder)) {
                throw new NoSuchFileException(folder.toString(), null, "the submission has no folder for this edit");
            }
            out.add(new Entry(section, video, edit, cell.isEmpty() ? "nan" : cell, folder));
        }
    }

    /** The one section folder of {@code submission} that holds {@code video}. */
    private static String sectionOf(Path submission, String video) throws IOException {
        List<String> holders = new ArrayList<>();
        try (Stream<Path> s = Files.list(submission)) {
            for (Path p : s.sorted().toList()) {
                if (Files.isDirectory(p.resolve(video))) {
                    holders.add(p.getFileName().toString());
                }
            }
        }
        if (holders.size() != 1) {
            throw new NoSuchFileException(submission.resolve("*").resolve(video).toString(), null, holders.isEmpty()
                    ? "no section folder of the submission holds this video"
                    : "several section folders hold this video: " + holders);
        }
        return holders.getFirst();
    }

    /**
     * The {@code *.jpg} frames of {@code folder}, sorted by name, as {@code sorted(glob("*.jpg"))} finds them
     * (a glob skips names starting with a dot).
     */
    public static List<Path> frames(Path folder) throws IOException {
        List<Path> frames;
        try (Stream<Path> s = Files.list(folder)) {
            frames = s.filter(p -> {
                String name = p.getFileName().toString();
                return name.endsWith(".jpg") && !name.startsWith(".") && Files.isRegularFile(p);
            }).sorted().toList();
        }
        if (frames.isEmpty()) {
            throw new NoSuchFileException(folder.toString(), null, "no .jpg frames");
        }
        return frames;
    }
}
