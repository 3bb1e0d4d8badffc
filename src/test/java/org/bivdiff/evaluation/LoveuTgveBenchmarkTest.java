package org.bivdiff.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.CsvFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LOVEU-TGVE layout: run_eval.py's row ranges of the official table, the general reading, and what is missing. */
class LoveuTgveBenchmarkTest {

    private static final String HEADER = "Video name,Our GT caption,Style Change Caption,Object Change Caption,"
            + "Background Change Caption,Multiple Changes Caption";
    private static final List<String> EDITS = List.of("style", "object", "background", "multiple");

    /** An official-shaped table of 82 data rows (section titles in rows 0, 17, 18, 42, 43) and its folders. */
    private static Path officialTable(Path dir, Path submission) throws IOException {
        List<String> lines = new ArrayList<>(List.of(HEADER));
        for (int row = 0; row < 82; row++) {
            String section = row < 17 ? "DAVIS_480p" : row < 43 ? "youtube_480p" : "videvo_480p";
            boolean title = row == 0 || row == 17 || row == 18 || row == 42 || row == 43;
            if (title) {
                lines.add(section + ",,,,,");
                continue;
            }
            String video = "video-" + row;
            // Row 5 leaves its object caption empty: the reference scores it against "nan".
            String object = row == 5 ? "" : "\"a dog, row " + row + "\"";
            lines.add(CsvFile.line(List.of(video, "caption")) + ",style " + row + " ," + object + ",bg " + row
                    + ",multi " + row);
            for (String edit : EDITS) {
                Files.createDirectories(submission.resolve(section).resolve(video).resolve(edit));
            }
        }
        Path csv = dir.resolve("LOVEU-TGVE-2023_Dataset.csv");
        Files.writeString(csv, String.join("\n", lines) + "\n");
        return csv;
    }

    @Test
    void theOfficialRowsAreReadAsRunEvalReadsThem(@TempDir Path dir) throws Exception {
        Path submission = dir.resolve("team_videos");
        Path csv = officialTable(dir, submission);
        List<LoveuTgveBenchmark.Entry> entries = LoveuTgveBenchmark.entries(submission, csv, LoveuTgveBenchmark.Rows.OFFICIAL);
        assertEquals((16 + 23 + 38) * 4, entries.size());
        LoveuTgveBenchmark.Entry first = entries.getFirst();
        assertEquals("DAVIS_480p/video-1/style", first.name());
        assertEquals("style 1", first.prompt(), "stripped");
        assertEquals(submission.resolve("DAVIS_480p/video-1/style"), first.folder());
        assertEquals("a dog, row 1", entries.get(1).prompt());
        LoveuTgveBenchmark.Entry empty = entries.stream().filter(e -> e.name().equals("DAVIS_480p/video-5/object"))
                .findFirst().orElseThrow();
        assertEquals("nan", empty.prompt(), "str(NaN), as the reference reads an empty cell");
        assertEquals("youtube_480p/video-19/style", entries.get(16 * 4).name());
        assertEquals("videvo_480p/video-81/multiple", entries.getLast().name());
    }

    @Test
    void everyRowCanBeReadFromOtherTables(@TempDir Path dir) throws Exception {
        Path submission = dir.resolve("sub");
        Files.createDirectories(submission.resolve("mine/cat/style"));
        Files.createDirectories(submission.resolve("mine/cat/object"));
        Files.createDirectories(submission.resolve("other/car/background"));
        Path csv = dir.resolve("mine.csv");
        Files.writeString(csv, HEADER + "\ncat,x,a cat in ink,a dog,,\n,,,,,\ncar,y,,,a car on the moon,\n");
        List<LoveuTgveBenchmark.Entry> entries = LoveuTgveBenchmark.entries(submission, csv, LoveuTgveBenchmark.Rows.ALL);
        assertEquals(List.of("mine/cat/style", "mine/cat/object", "other/car/background"),
                entries.stream().map(LoveuTgveBenchmark.Entry::name).toList());
        assertEquals("a car on the moon", entries.getLast().prompt());

        Files.createDirectories(submission.resolve("third/cat"));
        var twice = assertThrows(NoSuchFileException.class,
                () -> LoveuTgveBenchmark.entries(submission, csv, LoveuTgveBenchmark.Rows.ALL));
        assertTrue(twice.getMessage().contains("several section folders") && twice.getMessage().contains("third"),
                twice.getMessage());
    }

    @Test
    void missingFoldersFramesColumnsAndRowsAreNamed(@TempDir Path dir) throws Exception {
        Path submission = dir.resolve("sub");
        Path csv = officialTable(dir, submission);
        Files.delete(submission.resolve("youtube_480p/video-20/background"));
        var folder = assertThrows(NoSuchFileException.class,
                () -> LoveuTgveBenchmark.entries(submission, csv, LoveuTgveBenchmark.Rows.OFFICIAL));
        assertTrue(folder.getMessage().contains("youtube_480p/video-20/background"), folder.getMessage());

        Path short_ = dir.resolve("short.csv");
        Files.writeString(short_, HEADER + "\na,b,c,d,e,f\n");
        var rows = assertThrows(ConfigException.class,
                () -> LoveuTgveBenchmark.entries(submission, short_, LoveuTgveBenchmark.Rows.OFFICIAL));
        assertTrue(rows.getMessage().contains("1 data rows"), rows.getMessage());

        Path noColumn = dir.resolve("cols.csv");
        Files.writeString(noColumn, "Video name,Style Change Caption\na,b\n");
        var column = assertThrows(ConfigException.class,
                () -> LoveuTgveBenchmark.entries(submission, noColumn, LoveuTgveBenchmark.Rows.ALL));
        assertTrue(column.getMessage().contains("Object Change Caption"), column.getMessage());

        Path frames = Files.createDirectories(dir.resolve("frames"));
        var none = assertThrows(NoSuchFileException.class, () -> LoveuTgveBenchmark.frames(frames));
        assertTrue(none.getMessage().contains("no .jpg frames"), none.getMessage());
        for (String name : List.of("00010.jpg", "00002.jpg", ".hidden.jpg", "00001.png")) {
            Files.writeString(frames.resolve(name), "");
        }
        assertEquals(List.of(frames.resolve("00002.jpg"), frames.resolve("00010.jpg")), LoveuTgveBenchmark.frames(frames));
    }
}
