package org.bivdiff.models.clip;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The text clean-up of transformers' slow {@code CLIPTokenizer} with ftfy installed:
 * {@code whitespace_clean(ftfy.fix_text(text)).lower()}.
 *
 * <p>{@link #fixText} is ftfy 6.1.1's {@code fix_text} with the default {@code TextFixerConfig}, except the
 * mojibake detector {@code fix_encoding} (which only acts on text its badness heuristic flags as mis-decoded
 * UTF-8, such as {@code "cafÃ©"}; such text is passed through unchanged here). Every other default step is
 * reproduced in ftfy's order and repeated to a fixed point per line: {@code unescape_html} (off from the first
 * line containing {@code '<'}), {@code fix_c1_controls}, {@code fix_latin_ligatures},
 * {@code fix_character_width}, {@code uncurl_quotes}, {@code fix_line_breaks}, {@code fix_surrogates},
 * {@code remove_terminal_escapes}, {@code remove_control_chars} and NFC normalisation.
 */
final class TextNormalizer {

    /** ftfy's {@code max_decode_length}: longer lines are fixed in pieces of this many code points. */
    private static final int MAX_DECODE_LENGTH = 1_000_000;
    /** ftfy's {@code ANSI_RE}; Python's {@code \d} is any decimal digit. */
    private static final Pattern ANSI = Pattern.compile("\u001b\\[(?:\\p{Nd}|;)*[a-zA-Z]");

    private TextNormalizer() {
    }

    /** {@code whitespace_clean(ftfy.fix_text(text)).lower()}. */
    static String normalize(String text) {
        return whitespaceClean(fixText(text)).toLowerCase(Locale.ROOT);
    }

    /** ftfy 6.1.1 {@code fix_text} with the default configuration, without {@code fix_encoding}. */
    static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean unescapeHtml = true;
        int pos = 0;
        while (pos < text.length()) {
            int end = text.indexOf('\n', pos) + 1;
            if (end == 0) {
                end = text.length();
            }
            if (text.codePointCount(pos, end) > MAX_DECODE_LENGTH) {
                end = text.offsetByCodePoints(pos, MAX_DECODE_LENGTH);
            }
            String segment = text.substring(pos, end);
            // "auto" HTML unescaping is switched off for this and every later line once a '<' is seen.
            if (segment.indexOf('<') >= 0) {
                unescapeHtml = false;
            }
            out.append(fixSegment(segment, unescapeHtml));
            pos = end;
        }
        return out.toString();
    }

    /** ftfy's {@code fix_and_explain}: the fixers in order, repeated until nothing changes. */
    private static String fixSegment(String text, boolean unescapeHtml) {
        while (true) {
            String orig = text;
            if (unescapeHtml) {
                text = HtmlEntities.unescape(text);
            }
            text = fixC1Controls(text);
            text = fixLatinLigatures(text);
            text = fixCharacterWidth(text);
            text = uncurlQuotes(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            text = ANSI.matcher(text).replaceAll("");
            text = removeControlChars(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(orig)) {
                return text;
            }
        }
    }

    /** C1 controls (U+0080..U+009F) read as their Windows-1252 characters, as browsers do. */
    static String fixC1Controls(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && c <= 0x9F) {
                if (out == null) {
                    out = new StringBuilder(text.substring(0, i));
                }
                out.append(HtmlEntities.CP1252_C1.charAt(c - 0x80));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    /** ftfy's {@code LIGATURES}: Latin ligatures and legacy digraphs split into their letters. */
    static String fixLatinLigatures(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(switch (c) {
                case '\u0132' -> "IJ";
                case '\u0133' -> "ij";
                case '\u0149' -> "\u02bcn";
                case '\u01f1' -> "DZ";
                case '\u01f2' -> "Dz";
                case '\u01f3' -> "dz";
                case '\u01c4' -> "D\u017d";
                case '\u01c5' -> "D\u017e";
                case '\u01c6' -> "d\u017e";
                case '\u01c7' -> "LJ";
                case '\u01c8' -> "Lj";
                case '\u01c9' -> "lj";
                case '\u01ca' -> "NJ";
                case '\u01cb' -> "Nj";
                case '\u01cc' -> "nj";
                case '\ufb00' -> "ff";
                case '\ufb01' -> "fi";
                case '\ufb02' -> "fl";
                case '\ufb03' -> "ffi";
                case '\ufb04' -> "ffl";
                case '\ufb05' -> "\u017ft";
                case '\ufb06' -> "st";
                default -> String.valueOf(c);
            });
        }
        return out.toString();
    }

    /** ftfy's {@code WIDTH_MAP}: U+3000 to a space, half/full-width forms U+FF01..U+FFEF to their NFKC form. */
    static String fixCharacterWidth(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u3000') {
                out.append(' ');
            } else if (c >= '\uff01' && c <= '\uffef') {
                out.append(Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** ftfy's {@code uncurl_quotes}: U+02BC and U+2018..U+201B to {@code '}, U+201C..U+201F to {@code "}. */
    static String uncurlQuotes(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u02bc' || (c >= '\u2018' && c <= '\u201b')) {
                out.append('\'');
            } else if (c >= '\u201c' && c <= '\u201f') {
                out.append('"');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** ftfy's {@code fix_line_breaks}: CRLF, CR, U+2028, U+2029 and U+0085 become {@code \n}. */
    static String fixLineBreaks(String text) {
        return text.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n').replace('\u2029', '\n')
                .replace('\u0085', '\n');
    }

    /**
     * ftfy's {@code fix_surrogates}. A Java string already joins well-formed surrogate pairs into one code
     * point, so what is left to do is replacing lone surrogates with U+FFFD.
     */
    static String fixSurrogates(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> out.appendCodePoint(cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp));
        return out.toString();
    }

    /**
     * ftfy's {@code CONTROL_CHARS}: removes U+0000..U+0008, U+000B, U+000E..U+001F, U+007F, U+206A..U+206F,
     * U+FEFF and U+FFF9..U+FFFC; tabs, line feeds, form feeds and carriage returns stay.
     */
    static String removeControlChars(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F
                    || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
            if (!control) {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** transformers' {@code whitespace_clean}: runs of whitespace become one space; ends are stripped. */
    static String whitespaceClean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (isPythonSpace(cp)) {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace && !out.isEmpty()) {
                out.append(' ');
            }
            pendingSpace = false;
            out.appendCodePoint(cp);
        }
        return out.toString();
    }

    /** Python's {@code str.isspace} for one code point (also what {@code \s} matches in its regexes). */
    static boolean isPythonSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0
                || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029
                || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }
}
