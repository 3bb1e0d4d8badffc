package org.bivdiff.models.clip;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The fallback text clean-up of transformers 4.30's {@code CLIPTokenizer} when ftfy is not installed:
 * {@code " ".join(BasicTokenizer(do_lower_case=True).tokenize(text))} (the BERT basic tokenizer copied into
 * tokenization_clip.py, with its helpers {@code _is_control}, {@code _is_whitespace} and
 * {@code _is_punctuation} from tokenization_utils.py). Later transformers versions stopped stripping accents
 * and splitting punctuation here; this reproduces 4.30.
 */
final class BasicNormalizer {

    private BasicNormalizer() {
    }

    /** The words of {@code text} after basic tokenisation, joined by single spaces. */
    static String normalize(String text) {
        String cleaned = Normalizer.normalize(spaceCjk(clean(text)), Normalizer.Form.NFC);
        List<String> split = new ArrayList<>();
        for (String token : whitespaceSplit(cleaned)) {
            split.addAll(splitOnPunctuation(stripAccents(token.toLowerCase(Locale.ROOT))));
        }
        return String.join(" ", whitespaceSplit(String.join(" ", split)));
    }

    /** {@code _clean_text}: drops NUL, U+FFFD and control characters; every whitespace becomes a space. */
    private static String clean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            out.appendCodePoint(isWhitespace(cp) ? ' ' : cp);
        });
        return out.toString();
    }

    /** {@code _tokenize_chinese_chars}: spaces around every CJK ideograph. */
    private static String spaceCjk(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (isCjk(cp)) {
                out.append(' ').appendCodePoint(cp).append(' ');
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    /** {@code _run_strip_accents}: NFD, then drop non-spacing marks. */
    private static String stripAccents(String token) {
        StringBuilder out = new StringBuilder(token.length());
        Normalizer.normalize(token, Normalizer.Form.NFD).codePoints().forEach(cp -> {
            if (Character.getType(cp) != Character.NON_SPACING_MARK) {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    /** {@code _run_split_on_punc}: each punctuation character becomes a token of its own. */
    private static List<String> splitOnPunctuation(String token) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            i += Character.charCount(cp);
            if (isPunctuation(cp)) {
                if (!word.isEmpty()) {
                    out.add(word.toString());
                    word.setLength(0);
                }
                out.add(Character.toString(cp));
            } else {
                word.appendCodePoint(cp);
            }
        }
        if (!word.isEmpty()) {
            out.add(word.toString());
        }
        return out;
    }

    /** Python's {@code str.split()}: words separated by runs of whitespace. */
    private static List<String> whitespaceSplit(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (TextNormalizer.isPythonSpace(cp)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
            } else {
                word.appendCodePoint(cp);
            }
        }
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        return words;
    }

    private static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /** Unicode category C* (Cc, Cf, Cn, Co, Cs), except tab, line feed and carriage return. */
    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE || type == Character.SURROGATE;
    }

    /** ASCII symbols and punctuation, or Unicode category P*. */
    private static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** {@code _is_chinese_char}: the CJK Unified Ideographs blocks and their compatibility forms. */
    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
