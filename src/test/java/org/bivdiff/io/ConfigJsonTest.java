package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class ConfigJsonTest {

    private enum Kind implements ConfigJson.Spelled {
        A("AlphaBlock"), B("BetaBlock");

        private final String spelling;

        Kind(String spelling) {
            this.spelling = spelling;
        }

        @Override
        public String spelling() {
            return spelling;
        }
    }

    private static final Path FILE = Path.of("unet/config.json");

    @Test
    void typedValuesDefaultsAndBookkeeping() throws Exception {
        ConfigJson c = ConfigJson.parse(FILE, """
                {"_class_name": "X", "_diffusers_version": "0.23.0", "layers": 2, "heads": 8, "eps": 1e-5,
                 "types": ["AlphaBlock", "BetaBlock"], "flag": true, "size": 64}""");
        assertEquals("X", c.className());
        assertEquals(2, c.integer("layers"));
        assertArrayEquals(new int[] {8, 8, 8}, c.integers("heads", 3));
        assertEquals(1e-5, c.number("eps"), 0);
        assertEquals(java.util.List.of(Kind.A, Kind.B), c.enumList("types", Kind.class));
        assertTrue(c.bool("flag", false));
        assertEquals(7, c.integer("absent", 7));
        c.ignore("size");
        c.finish();
    }

    @Test
    void unreadOptionFailsNamingFileAndKey() throws Exception {
        ConfigJson c = ConfigJson.parse(FILE, "{\"layers\": 2, \"dual_cross_attention\": true}");
        c.integer("layers");
        var e = assertThrows(ConfigException.class, c::finish);
        assertTrue(e.getMessage().contains("dual_cross_attention") && e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void wrongTypesAndSpellingsAreExplained() throws Exception {
        ConfigJson c = ConfigJson.parse(FILE, "{\"layers\": \"two\", \"types\": [\"GammaBlock\"], \"heads\": [1, 2]}");
        var type = assertThrows(ConfigException.class, () -> c.integer("layers"));
        assertTrue(type.getMessage().contains("'layers'") && type.getMessage().contains("integer"), type.getMessage());
        var spelling = assertThrows(ConfigException.class, () -> c.enumList("types", Kind.class));
        assertTrue(spelling.getMessage().contains("GammaBlock") && spelling.getMessage().contains("AlphaBlock"), spelling.getMessage());
        var length = assertThrows(ConfigException.class, () -> c.integers("heads", 3));
        assertTrue(length.getMessage().contains("2 entries, expected 3"), length.getMessage());
        var missing = assertThrows(ConfigException.class, () -> c.integer("absent"));
        assertTrue(missing.getMessage().contains("missing 'absent'"), missing.getMessage());
        assertThrows(ConfigException.class, () -> ConfigJson.parse(FILE, "[1, 2]"));
        assertThrows(ConfigException.class, () -> ConfigJson.parse(FILE, "{\"a\": 1, \"a\": 2}"));
    }

    @Test
    void nestedObjectsAreConfigsOfTheirOwnNamedByTheirPath() throws Exception {
        ConfigJson c = ConfigJson.parse(FILE, """
                {"text_config": {"hidden_size": 16, "surprise": 1}, "size": {"shortest_edge": 32}, "n": 3}""");
        assertTrue(c.isObject("text_config"));
        assertTrue(!c.isObject("n") && !c.isObject("missing"));
        ConfigJson text = c.object("text_config");
        assertEquals(16, text.integer("hidden_size"));
        var unknown = assertThrows(ConfigException.class, text::finish);
        assertTrue(unknown.getMessage().contains("text_config.surprise"), unknown.getMessage());
        var missing = assertThrows(ConfigException.class, () -> c.object("size").integer("longest_edge"));
        assertTrue(missing.getMessage().contains("'size.longest_edge'"), missing.getMessage());
        var notObject = assertThrows(ConfigException.class, () -> c.object("n"));
        assertTrue(notObject.getMessage().contains("'n' = 3 should be a JSON object"), notObject.getMessage());
        c.integer("n");
        c.finish();   // the nested objects count as read
    }

    @Test
    void strictJsonRefusesDuplicateKeysTrailingContentAndNonJsonNumbers() {
        var duplicate = assertThrows(ConfigException.class,
                () -> ConfigJson.parse(FILE, "{\"layers\": 2, \"heads\": 8, \"layers\": 3}"));
        assertTrue(duplicate.getMessage().contains("config.json") && duplicate.getMessage().contains("Duplicate field "
                + "'layers'"), duplicate.getMessage());
        var trailing = assertThrows(ConfigException.class, () -> ConfigJson.parse(FILE, "{\"layers\": 2} {\"layers\": 3}"));
        assertTrue(trailing.getMessage().contains("not valid JSON"), trailing.getMessage());
        assertThrows(ConfigException.class, () -> ConfigJson.parse(FILE, "{\"eps\": NaN}"));
        var nested = assertThrows(ConfigException.class,
                () -> ConfigJson.parse(FILE, "{\"a\": {\"b\": 1, \"b\": 1}}"));
        assertTrue(nested.getMessage().contains("Duplicate field 'b'"), nested.getMessage());
    }

    @Test
    void aFileThatIsNotUtf8IsNamed(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.json");
        java.nio.file.Files.write(file, new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'});
        var e = assertThrows(ConfigException.class, () -> ConfigJson.read(file));
        assertEquals(file + ": not valid UTF-8", e.getMessage());
    }
}
