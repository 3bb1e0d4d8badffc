package org.bivdiff.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bivdiff.io.CsvFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same numbers in the terminal table, Markdown, CSV and JSON, with the definitions and the mean. */
class ScoreTableTest {

    private static ScoreTable table(boolean withMean) {
        return new ScoreTable("title", "clip-l", withMean)
                .add(new ScoreTable.Row("a", Map.of("strategy", "sequential"), "a cat, | pipe", "x/a",
                        new Scores(30.0, 0.9, 0.95, 8)))
                .add(new ScoreTable.Row("b", Map.of("strategy", "idm-only"), "a cat, | pipe", "x/b",
                        new Scores(20.0, Double.NaN, Double.NaN, 1)));
    }

    @Test
    void everyFormatCarriesTheScoresAndDefinitions(@TempDir Path dir) throws Exception {
        ScoreTable t = table(true);
        assertEquals(25.0, t.mean(Metric.TEXTUAL_ALIGNMENT), 0);
        assertTrue(Double.isNaN(t.mean(Metric.FRAME_CONSISTENCY)), "NaN propagates as np.mean's");
        String text = t.text();
        assertTrue(text.contains("prompt: a cat, | pipe"), text);
        assertTrue(text.contains("30.0000") && text.contains("0.9000") && text.contains("mean of 2"), text);
        for (Metric m : Metric.values()) {
            assertTrue(text.contains(m.definition()), m.name());
        }
        String md = t.markdown();
        assertTrue(md.contains("| a | sequential | a cat, \\| pipe | 8 | 30.0000 | 0.9000 | 0.9500 |"), md);
        assertTrue(md.contains("| b | idm-only | a cat, \\| pipe | 1 | 20.0000 | - | - |"), md);

        t.write(dir);
        CsvFile.Table csv = CsvFile.read(dir.resolve("scores.csv"));
        assertEquals(List.of("name", "strategy", "prompt", "frames", "clip_text_alignment", "clip_frame_consistency",
                "clip_frame_consistency_consecutive", "source"), csv.header());
        assertEquals(List.of("a", "sequential", "a cat, | pipe", "8", "30.0", "0.9", "0.95", "x/a"), csv.rows().get(0));
        assertEquals("", csv.rows().get(1).get(5), "NaN is an empty cell");
        JsonNode json = new ObjectMapper().readTree(dir.resolve("scores.json").toFile());
        assertEquals(30.0, json.get("videos").get(0).get("scores").get("clip_text_alignment").asDouble(), 0);
        assertTrue(json.get("videos").get(1).get("scores").get("clip_frame_consistency").isNull());
        assertEquals(25.0, json.get("mean").get("clip_text_alignment").asDouble(), 0);
        assertEquals(Metric.FRAME_CONSISTENCY.definition(), json.get("definitions").get("clip_frame_consistency").asText());
    }

    @Test
    void aComparisonHasNoMean() throws Exception {
        ScoreTable t = table(false);
        assertFalse(t.text().contains("mean of"));
        assertFalse(t.markdown().contains("mean of"));
        assertFalse(new ObjectMapper().readTree(t.json()).has("mean"));
    }
}
