package org.bivdiff.io;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Comma-separated files (RFC 4180: fields in double quotes may hold commas, line breaks and doubled quotes)
 * read as pandas' {@code read_csv} sees them with its defaults: the first record is the header, a UTF-8
 * byte-order mark is dropped, and empty lines are skipped ({@code skip_blank_lines}), so that data row
 * {@code i} is the row pandas numbers {@code i}. Also the writing side: {@link #line} quotes what needs it.
 */
public final class CsvFile {

    /**
     * A parsed file.
     *
     * @param file   where it was read from, for messages
     * @param header the column names
     * @param rows   the data rows; a short row is padded with empty cells to the header's width
     */
    public record Table(Path file, List<String> header, List<List<String>> rows) {

        /** The index of column {@code name}. */
        public int column(String name) throws ConfigException {
            int i = header.indexOf(name);
            if (i < 0) {
                throw new ConfigException(file + ": no column '" + name + "' (columns: " + header + ")");
            }
            return i;
        }
    }

    private CsvFile() {
    }

    /**
     * Reads {@code file}.
     *
     * @throws IOException naming the file when it is missing, not UTF-8, empty, has an unterminated quote or a
     *     row longer than the header
     */
    public static Table read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "CSV file not found");
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not UTF-8 text");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<List<String>> records = parse(text, file);
        if (records.isEmpty()) {
            throw new ConfigException(file + ": empty CSV file (no header)");
        }
        List<String> header = records.getFirst();
        List<List<String>> rows = new ArrayList<>();
        for (int r = 1; r < records.size(); r++) {
            List<String> row = new ArrayList<>(records.get(r));
            if (row.size() > header.size()) {
                throw new ConfigException(file + ": data row " + (r - 1) + " has " + row.size() + " fields, the header "
                        + header.size());
            }
            while (row.size() < header.size()) {
                row.add("");
            }
            rows.add(List.copyOf(row));
        }
        return new Table(file, List.copyOf(header), List.copyOf(rows));
    }

    private static List<List<String>> parse(String text, Path file) throws ConfigException {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean lineHasContent = false;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                lineHasContent = true;
            } else if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
                lineHasContent = true;
            } else if (c == '\n' || c == '\r') {
                if (lineHasContent) {
                    record.add(field.toString());
                    records.add(record);
                }
                record = new ArrayList<>();
                field.setLength(0);
                lineHasContent = false;
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
            } else {
                field.append(c);
                lineHasContent = true;
            }
            i++;
        }
        if (quoted) {
            throw new ConfigException(file + ": a quoted field is not closed before the end of the file");
        }
        if (lineHasContent) {
            record.add(field.toString());
            records.add(record);
        }
        return records;
    }

    /** One CSV line (without the line break): fields with a comma, quote or line break are quoted. */
    public static String line(List<String> fields) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            String f = fields.get(i);
            if (f.contains(",") || f.contains("\"") || f.contains("\n") || f.contains("\r")) {
                b.append('"').append(f.replace("\"", "\"\"")).append('"');
            } else {
                b.append(f);
            }
        }
        return b.toString();
    }
}
