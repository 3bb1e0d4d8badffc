package org.bivdiff.io.pickle;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The text-argument opcodes of protocols 0 and 1 ({@code INT}, {@code LONG}, {@code FLOAT}, {@code STRING},
 * {@code UNICODE}, {@code GET}, {@code PUT}, {@code PERSID}, {@code GLOBAL}, {@code INST}), whose argument is
 * a newline-terminated line, decoded as Python's {@code pickle} does.
 */
final class TextOpcodes {

    /** Longest decimal integer accepted (Python's default limit on int-from-string conversion). */
    private static final int MAX_DIGITS = 4300;

    private TextOpcodes() {
    }

    static void step(Unpickler u, PickleInput in, int op) throws PickleException {
        switch (op) {
            case 'I' -> u.push(intOrBool(ascii(in.line())));
            case 'L' -> {
                String s = ascii(in.line());
                u.push(parseInt(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
            }
            case 'F' -> u.push(parseFloat(ascii(in.line())));
            case 'S' -> u.push(PickleInput.decodeUtf8(escapeDecode(quoted(in.line()))));
            case 'V' -> u.push(rawUnicodeEscape(in.line()));
            case 'g' -> u.push(u.memoGet(index(ascii(in.line()))));
            case 'p' -> u.memoPut(index(ascii(in.line())));
            case 'P' -> u.push(u.persistentLoad(ascii(in.line())));
            case 'c' -> u.push(u.global(PickleInput.decodeUtf8(in.line()), PickleInput.decodeUtf8(in.line())));
            case 'i' -> {
                Object cls = u.global(PickleInput.decodeUtf8(in.line()), PickleInput.decodeUtf8(in.line()));
                u.push(u.call(cls, new PyTuple(u.popMark())));
            }
            default -> throw new IllegalArgumentException("not a text opcode: " + op);
        }
    }

    private static String ascii(byte[] b) throws PickleException {
        for (byte x : b) {
            if (x < 0) {
                throw new PickleException("a text argument is not ASCII");
            }
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static Object intOrBool(String s) throws PickleException {
        return switch (s) {
            case "00" -> Boolean.FALSE;
            case "01" -> Boolean.TRUE;
            default -> parseInt(s);
        };
    }

    /** Python's {@code int(s, 0)} for the forms pickles hold: optional sign, decimal or 0x/0o/0b. */
    static Object parseInt(String text) throws PickleException {
        String s = text.strip().replace("_", "");
        if (s.length() > MAX_DIGITS) {
            throw new PickleException("integer literal of " + s.length() + " characters (at most " + MAX_DIGITS + ")");
        }
        boolean negative = s.startsWith("-");
        String digits = negative || s.startsWith("+") ? s.substring(1) : s;
        int radix = 10;
        String lower = digits.toLowerCase(Locale.ROOT);
        if (lower.startsWith("0x") || lower.startsWith("0o") || lower.startsWith("0b")) {
            radix = switch (lower.charAt(1)) {
                case 'x' -> 16;
                case 'o' -> 8;
                default -> 2;
            };
            digits = digits.substring(2);
        }
        try {
            if (digits.isEmpty() || digits.charAt(0) == '-' || digits.charAt(0) == '+') {
                throw new NumberFormatException();
            }
            BigInteger v = new BigInteger(digits, radix);
            return Unpickler.normalise(negative ? v.negate() : v);
        } catch (NumberFormatException e) {
            throw new PickleException("not an integer literal: '" + abbreviate(text) + "'");
        }
    }

    private static Double parseFloat(String text) throws PickleException {
        String s = text.strip().toLowerCase(Locale.ROOT);
        switch (s) {
            case "inf", "+inf", "infinity" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf", "-infinity" -> {
                return Double.NEGATIVE_INFINITY;
            }
            case "nan", "+nan", "-nan" -> {
                return Double.NaN;
            }
            default -> {
            }
        }
        if (!s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) {
            throw new PickleException("not a float literal: '" + abbreviate(text) + "'");
        }
        return Double.parseDouble(s);
    }

    private static long index(String s) throws PickleException {
        Object v = parseInt(s);
        if (!(v instanceof Long l) || l < 0) {
            throw new PickleException("memo index '" + abbreviate(s) + "' is not a non-negative integer");
        }
        return l;
    }

    /** The body of a quoted {@code STRING} argument. */
    private static byte[] quoted(byte[] b) throws PickleException {
        if (b.length < 2 || b[0] != b[b.length - 1] || (b[0] != '\'' && b[0] != '"')) {
            throw new PickleException("the STRING opcode argument must be quoted");
        }
        byte[] body = new byte[b.length - 2];
        System.arraycopy(b, 1, body, 0, body.length);
        return body;
    }

    /** Python's {@code codecs.escape_decode}: backslash escapes of a bytes literal. */
    private static byte[] escapeDecode(byte[] b) throws PickleException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        for (int i = 0; i < b.length; i++) {
            if (b[i] != '\\') {
                out.write(b[i]);
                continue;
            }
            if (++i == b.length) {
                throw new PickleException("a STRING argument ends with a lone backslash");
            }
            char c = (char) b[i];
            switch (c) {
                case '\n' -> { }
                case '\\', '\'', '"' -> out.write(c);
                case 'a' -> out.write(7);
                case 'b' -> out.write(8);
                case 'f' -> out.write(12);
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case 'v' -> out.write(11);
                case 'x' -> {
                    out.write(hex(b, i + 1, 2));
                    i += 2;
                }
                default -> {
                    if (c >= '0' && c <= '7') {
                        int v = 0;
                        int n = 0;
                        while (n < 3 && i < b.length && b[i] >= '0' && b[i] <= '7') {
                            v = v * 8 + (b[i++] - '0');
                            n++;
                        }
                        i--;
                        out.write(v & 0xff);
                    } else {
                        out.write('\\');
                        out.write(c);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    /** Python's {@code raw-unicode-escape} codec: {@code \\uXXXX}, {@code \\UXXXXXXXX}, other bytes Latin-1. */
    private static String rawUnicodeEscape(byte[] b) throws PickleException {
        StringBuilder sb = new StringBuilder(b.length);
        for (int i = 0; i < b.length; i++) {
            int n = b[i] == '\\' && i + 1 < b.length ? (b[i + 1] == 'u' ? 4 : b[i + 1] == 'U' ? 8 : 0) : 0;
            if (n == 0) {
                sb.append((char) (b[i] & 0xff));
                continue;
            }
            int cp = hex(b, i + 2, n);
            if (!Character.isValidCodePoint(cp)) {
                throw new PickleException("a UNICODE argument has an invalid code point escape");
            }
            sb.appendCodePoint(cp);
            i += 1 + n;
        }
        return sb.toString();
    }

    private static int hex(byte[] b, int from, int n) throws PickleException {
        if (from + n > b.length) {
            throw new PickleException("a truncated hexadecimal escape");
        }
        int v = 0;
        for (int k = 0; k < n; k++) {
            int d = Character.digit(b[from + k], 16);
            if (d < 0) {
                throw new PickleException("an invalid hexadecimal escape");
            }
            v = v * 16 + d;
        }
        return v;
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
