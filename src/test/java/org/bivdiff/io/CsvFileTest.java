package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV as pandas' read_csv numbers its rows: quotes, a BOM, blank lines skipped, short rows padded. */
class CsvFileTest {

    @Test
    void quotedFieldsBlankLinesAndTheBom(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.csv");
        Files.writeString(f, "\uFEFFVideo name,Caption\r\n"
                + "a,\"one, two\"\r\n"
                + "\r\n"
                + "b,\"say \"\"hi\"\"\nthen go\"\n"
                + ",\n"
                + "c\n");
        CsvFile.Table t = CsvFile.read(f);
        assertEquals(List.of("Video name", "Caption"), t.header());
        assertEquals(4, t.rows().size(), "the empty line is skipped, the line of commas is a row");
        assertEquals(List.of("a", "one, two"), t.rows().get(0));
        assertEquals(List.of("b", "say \"hi\"\nthen go"), t.rows().get(1));
        assertEquals(List.of("", ""), t.rows().get(2));
        assertEquals(List.of("c", ""), t.rows().get(3), "a short row is padded");
        assertEquals(1, t.column("Caption"));
        var missing = assertThrows(ConfigException.class, () -> t.column("Prompt"));
        assertTrue(missing.getMessage().contains("Prompt") && missing.getMessage().contains("Video name"));
    }

    @Test
    void linesRoundTrip(@TempDir Path dir) throws Exception {
        List<String> fields = List.of("plain", "with, comma", "with \"quote\"", "two\nlines");
        Path f = dir.resolve("r.csv");
        Files.writeString(f, CsvFile.line(List.of("a", "b", "c", "d")) + "\n" + CsvFile.line(fields) + "\n");
        assertEquals(fields, CsvFile.read(f).rows().getFirst());
    }

    @Test
    void malformedFilesAreRefusedByName(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, "a,b\n1,\"open\n");
        var open = assertThrows(ConfigException.class, () -> CsvFile.read(f));
        assertTrue(open.getMessage().contains(f.toString()) && open.getMessage().contains("not closed"));
        Files.writeString(f, "a,b\n1,2,3\n");
        var wide = assertThrows(ConfigException.class, () -> CsvFile.read(f));
        assertTrue(wide.getMessage().contains("data row 0 has 3 fields"), wide.getMessage());
        Files.writeString(f, "\n\n");
        assertThrows(ConfigException.class, () -> CsvFile.read(f));
        Files.write(f, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 0x41});
        var binary = assertThrows(ConfigException.class, () -> CsvFile.read(f));
        assertTrue(binary.getMessage().contains("not UTF-8"), binary.getMessage());
        assertThrows(NoSuchFileException.class, () -> CsvFile.read(dir.resolve("none.csv")));
    }
}
