package org.bivdiff.models.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Behaviour of {@link ClipTokenizer} on chosen inputs, checked against the fixture vocabulary. */
class ClipTokenizerTest {

    private static ClipTokenizer sd15;
    private static ClipTokenizer sd21;

    @BeforeAll
    static void load() throws IOException {
        sd15 = ClipTokenizer.load(TokenizerTestFolders.folderFor("input_ids"));
        sd21 = ClipTokenizer.load(TokenizerTestFolders.folderFor("input_ids_pad_bang"));
    }

    private static int id(String token) {
        int id = sd15.tokenToId(token);
        assertNotEquals(sd15.tokenToId("<|endoftext|>"), id, token + " is not in the vocabulary");
        return id;
    }

    @Test
    void emptyPromptIsBosEosThenPadding() {
        for (ClipTokenizer t : List.of(sd15, sd21)) {
            ClipTokenizer.Encoding enc = t.encode("");
            int[] expected = new int[77];
            Arrays.fill(expected, t.padTokenId());
            expected[0] = t.bosTokenId();
            expected[1] = t.eosTokenId();
            assertArrayEquals(expected, enc.inputIds());
            assertEquals(List.of(), enc.bpeTokens());
            assertEquals(2, enc.untruncatedLength());
            assertEquals(0, enc.truncatedTokens());
        }
        assertEquals(49406, sd15.bosTokenId());
        assertEquals(49407, sd15.eosTokenId());
        assertEquals(49407, sd15.padTokenId());
        assertEquals(0, sd21.padTokenId());
        assertArrayEquals(sd15.encode("   \t\n ").inputIds(), sd15.encode("").inputIds());
    }

    @Test
    void longPromptIsTruncatedTo75TokensAndReportsTheCut() {
        ClipTokenizer.Encoding enc = sd15.encode("dog ".repeat(100));
        int[] ids = enc.inputIds();
        assertEquals(77, ids.length);
        assertEquals(102, enc.untruncatedLength());
        assertEquals(25, enc.truncatedTokens());
        assertEquals(100, enc.bpeTokens().size());
        assertEquals(49406, ids[0]);
        for (int i = 1; i <= 75; i++) {
            assertEquals(id("dog</w>"), ids[i], "position " + i);
        }
        assertEquals(49407, ids[76]);
        assertEquals(ids[5], enc.inputIdsAsLong()[5]);
    }

    @Test
    void exactly75TokensFitWithoutTruncation() {
        ClipTokenizer.Encoding enc = sd15.encode("dog ".repeat(75));
        assertEquals(0, enc.truncatedTokens());
        assertEquals(49407, enc.inputIds()[76]);
    }

    @Test
    void basicWordsAndContractions() {
        assertEquals(List.of("a</w>", "dog</w>", "'s</w>", "house</w>"), sd15.tokenize("A Dog's HOUSE"));
        assertArrayEquals(new int[] {49406, 320, id("dog</w>"), id("'s</w>"), id("house</w>"), 49407},
                Arrays.copyOf(sd15.encode("a dog's house").inputIds(), 6));
    }

    @Test
    void specialTokensInsideTextAreMatchedAsSpecialTokens() {
        assertEquals(List.of("a</w>", "<|endoftext|>", "b</w>"), sd15.tokenize("a<|endoftext|>b"));
        assertEquals(List.of("<|startoftext|>", "dog</w>"), sd15.tokenize("<|startoftext|> dog"));
        // Upper case escapes the special-token split, but after lower-casing CLIP's regex and BPE cache keep it whole.
        assertEquals(List.of("<|endoftext|>"), sd15.tokenize("<|ENDOFTEXT|>"));
        int[] ids = sd15.encode("a<|endoftext|>b").inputIds();
        assertArrayEquals(new int[] {49406, 320, 49407, id("b</w>"), 49407, 49407}, Arrays.copyOf(ids, 6));
    }

    @Test
    void sd2PadTokenBangIsSplitOutAsASpecialToken() {
        assertEquals(List.of("wow</w>", "!", "!"), sd21.tokenize("wow!!"));
        assertArrayEquals(new int[] {49406, id("wow</w>"), 0, 0, 49407, 0}, Arrays.copyOf(sd21.encode("wow!!").inputIds(), 6));
        // With the SD 1.x files '!' is ordinary text and BPE merges it.
        assertEquals(List.of("wow</w>", "!!</w>"), sd15.tokenize("wow!!"));
    }

    @Test
    void accentsComposedOrDecomposedGiveTheSameTokens() {
        List<String> composed = sd15.tokenize("caf\u00e9");
        assertEquals(composed, sd15.tokenize("cafe\u0301"));
        assertEquals(List.of("caf\u00c3\u00a9</w>"), composed);
        assertEquals(sd15.tokenize("\u00e9t\u00e9"), sd15.tokenize("\u00c9T\u00c9"));
    }

    @Test
    void cjkAndEmojiAreByteLevelTokens() {
        for (String piece : List.of("\u732b", "\u65e5\u672c", "\ud83d\ude00", "\ud83d\udc4d\ud83c\udffd")) {
            List<String> tokens = sd15.tokenize(piece);
            assertEquals(ByteUnicode.encode(piece) + "</w>", String.join("", tokens), piece);
            for (String t : tokens) {
                assertNotEquals(49407, sd15.tokenToId(t), t + " should be in the vocabulary");
            }
        }
        assertEquals("\u00f0\u0141\u013a\u0122", ByteUnicode.encode("\ud83d\ude00"));
    }

    @Test
    void curlyQuotesBecomeStraight() {
        assertEquals(sd15.tokenize("\"hi\" it's 'ok'"), sd15.tokenize("\u201chi\u201d it\u2019s \u2018ok\u2019"));
        assertEquals(List.of("\"</w>", "hi</w>", "\"</w>"), sd15.tokenize("\u201chi\u201d"));
    }

    @Test
    void htmlEntitiesAreDecodedUnlessTheLineLooksLikeHtml() {
        assertEquals(sd15.tokenize("fish & chips"), sd15.tokenize("fish &amp; chips"));
        assertEquals(sd15.tokenize("fish & chips"), sd15.tokenize("fish &amp;amp; chips"));
        assertEquals(sd15.tokenize("caf\u00e9 \u00e9"), sd15.tokenize("caf&eacute; &#233;"));
        assertEquals(sd15.tokenize("\u00e9"), sd15.tokenize("&EACUTE;"));
        assertEquals(sd15.tokenize("\u00e9"), sd15.tokenize("&#xE9;"));
        assertEquals(sd15.tokenize("& notanentity ;"), sd15.tokenize("&notanentity;"));
        // '&#59;' would decode to ';', which ftfy refuses, so it stays as written.
        assertEquals(sd15.tokenize("&# 5 9 ;"), sd15.tokenize("&#59;"));
        assertNotEquals(sd15.tokenize(";"), sd15.tokenize("&#59;"));
        // A '<' switches unescaping off for that line and the lines after it.
        assertEquals(sd15.tokenize("1 < 2 &amp;"), sd15.tokenize("1 < 2\n&amp;"));
        assertNotEquals(sd15.tokenize("1 < 2 &"), sd15.tokenize("1 < 2 &amp;"));
        assertEquals(sd15.tokenize("& 1 < 2 &amp;"), sd15.tokenize("&amp;\n1 < 2\n&amp;"));
    }

    @Test
    void ligaturesWidthControlsAndTerminalEscapesAreFixed() {
        assertEquals(sd15.tokenize("fine flow"), sd15.tokenize("\ufb01ne \ufb02ow"));
        assertEquals(sd15.tokenize("full width"), sd15.tokenize("\uff46\uff55\uff4c\uff4c\u3000\uff57\uff49\uff44\uff54\uff48"));
        assertEquals(sd15.tokenize("ab"), sd15.tokenize("a\u0000\u0007b\ufeff"));
        assertEquals(sd15.tokenize("red"), sd15.tokenize("\u001b[31mred\u001b[0m"));
        // C1 controls read as Windows-1252: 0x93/0x94 are curly double quotes, then uncurled.
        assertEquals(sd15.tokenize("\"q\""), sd15.tokenize("\u0093q\u0094"));
        assertEquals(sd15.tokenize("a b"), sd15.tokenize("a\u2028b"));
        assertEquals(List.of(ByteUnicode.encode("\ufffd") + "</w>"), sd15.tokenize("\ud800"));
    }

    @Test
    void basicNormalizationStripsAccentsAndSplitsPunctuation() throws IOException {
        ClipTokenizer basic = ClipTokenizer.load(TokenizerTestFolders.folderFor("input_ids"), Normalization.BASIC);
        assertEquals(Normalization.BASIC, basic.normalization());
        assertEquals(List.of("cafe</w>", "!</w>", "it</w>", "'</w>", "s</w>"), basic.tokenize("Caf\u00e9! It's"));
        assertEquals(sd15.tokenize("\u732b \u72d7"), basic.tokenize("\u732b\u72d7"));
    }

    @Test
    void encodingIsRepeatableAndCompareByValue() {
        String text = "an astronaut riding a horse, 4k";
        assertEquals(sd15.encode(text), sd15.encode(text));
        int[] ids = sd15.encode(text).inputIds();
        ids[1] = -1;
        assertNotEquals(-1, sd15.encode(text).inputIds()[1]);
    }
}
