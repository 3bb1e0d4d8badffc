package org.bivdiff.models.clip;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-unicode map ({@code bytes_to_unicode} in transformers' tokenization_clip.py):
 * printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onwards, so that BPE never sees
 * whitespace or control characters.
 */
final class ByteUnicode {

    private static final char[] BYTE_TO_CHAR = build();

    private ByteUnicode() {
    }

    private static char[] build() {
        char[] map = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = 0; b < 256; b++) {
            printable[b] = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            map[b] = printable[b] ? (char) b : (char) next++;
        }
        return map;
    }

    /** The unicode character standing for one byte (0..255). */
    static char of(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The UTF-8 bytes of {@code piece}, each written as its stand-in character. */
    static String encode(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = of(bytes[i]);
        }
        return new String(out);
    }

    /**
     * The inverse of {@link #encode}: the bytes the stand-in characters of {@code text} spell, decoded as UTF-8
     * with malformed sequences replaced (transformers' {@code errors="replace"}). Characters outside the map
     * are kept as they are.
     */
    static String decode(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            int b = byteOf(text.charAt(i));
            if (b < 0) {
                bytes.writeBytes(String.valueOf(text.charAt(i)).getBytes(StandardCharsets.UTF_8));
            } else {
                bytes.write(b);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static int byteOf(char c) {
        for (int b = 0; b < 256; b++) {
            if (BYTE_TO_CHAR[b] == c) {
                return b;
            }
        }
        return -1;
    }
}
