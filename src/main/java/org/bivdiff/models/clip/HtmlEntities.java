package org.bivdiff.models.clip;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ftfy 6.1.1's {@code unescape_html} ({@code fixes.py} and {@code chardata.py}): decodes HTML5 named entities
 * that end in a semicolon, upper-cased variants of lower-case names (ftfy's {@code &EACUTE;} rule), and
 * numeric references the way Python's {@code html.unescape} does. Anything else is left as written.
 */
final class HtmlEntities {

    private static final Pattern ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");
    private static final Pattern DECIMAL = Pattern.compile("&#([0-9]+);");
    private static final Pattern HEX = Pattern.compile("&#[xX]([0-9a-fA-F]+);");

    /** Windows-1252 for bytes 0x80..0x9F, undefined bytes kept (Python's {@code _invalid_charrefs}, ftfy's sloppy codec). */
    static final String CP1252_C1 = "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f"
            + "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

    /** Python's html module table: every HTML5 name, with or without its semicolon. */
    private static final Map<String, String> HTML5 = readHtml5();
    /** ftfy's {@code HTML_ENTITIES}: full {@code &name;} text to its replacement. */
    private static final Map<String, String> ENTITIES = buildEntities();

    private HtmlEntities() {
    }

    /** Replaces every decodable entity in {@code text}. */
    static String unescape(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = ENTITY.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(fixup(m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String fixup(String entity) {
        String named = ENTITIES.get(entity);
        if (named != null) {
            return named;
        }
        if (!entity.startsWith("&#")) {
            return entity;
        }
        // html.unescape decodes only a leading run of digits; ftfy keeps the text if the ';' was not consumed.
        Matcher dec = DECIMAL.matcher(entity);
        Matcher hex = HEX.matcher(entity);
        String decoded;
        if (dec.matches()) {
            decoded = charref(new BigInteger(dec.group(1), 10));
        } else if (hex.matches()) {
            decoded = charref(new BigInteger(hex.group(1), 16));
        } else {
            return entity;
        }
        return decoded.indexOf(';') >= 0 ? entity : decoded;
    }

    /** Python's {@code html._replace_charref} for a numeric reference. */
    private static String charref(BigInteger value) {
        if (value.compareTo(BigInteger.valueOf(0x10FFFF)) > 0) {
            return "\uFFFD";
        }
        int cp = value.intValueExact();
        if (cp == 0) {
            return "\uFFFD";
        }
        if (cp == 0x0D) {
            return "\r";
        }
        if (cp >= 0x80 && cp <= 0x9F) {
            return String.valueOf(CP1252_C1.charAt(cp - 0x80));
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            return "\uFFFD";
        }
        boolean invalid = (cp >= 0x1 && cp <= 0x8) || cp == 0xB || (cp >= 0xE && cp <= 0x1F) || cp == 0x7F
                || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
        return invalid ? "" : Character.toString(cp);
    }

    private static Map<String, String> buildEntities() {
        Map<String, String> entities = new HashMap<>();
        for (Map.Entry<String, String> e : HTML5.entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(";")) {
                continue;
            }
            entities.put("&" + name, e.getValue());
            if (name.equals(name.toLowerCase(Locale.ROOT))) {
                String upper = name.toUpperCase(Locale.ROOT);
                if (!html5Decodes(upper)) {
                    entities.put("&" + upper, e.getValue().toUpperCase(Locale.ROOT));
                }
            }
        }
        return Map.copyOf(entities);
    }

    /** Whether Python's {@code html.unescape("&" + name)} would change it (exact name, or a legacy prefix). */
    private static boolean html5Decodes(String name) {
        if (HTML5.containsKey(name)) {
            return true;
        }
        for (int x = name.length() - 1; x > 1; x--) {
            if (HTML5.containsKey(name.substring(0, x))) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> readHtml5() {
        Map<String, String> table = new HashMap<>();
        try (InputStream in = HtmlEntities.class.getResourceAsStream("html5-entities.tsv")) {
            if (in == null) {
                throw new IllegalStateException("resource html5-entities.tsv missing from the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                StringBuilder value = new StringBuilder();
                for (String hex : line.substring(tab + 1).split(" ")) {
                    value.appendCodePoint(Integer.parseInt(hex, 16));
                }
                table.put(line.substring(0, tab), value.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading html5-entities.tsv", e);
        }
        return Map.copyOf(table);
    }
}
