package org.bivdiff.io.hub;

import java.util.regex.Pattern;

/**
 * A file pattern as {@code huggingface_hub}'s {@code allow_patterns} reads it ({@code utils/_paths.py}):
 * Python's {@code fnmatch.fnmatchcase}, so {@code *} matches any characters including {@code /},
 * {@code ?} one character, {@code [seq]} / {@code [!seq]} one character in / not in {@code seq}; case
 * sensitive; a pattern ending in {@code /} means everything under that folder.
 */
public final class Glob {

    private final String pattern;
    private final Pattern regex;

    private Glob(String pattern, Pattern regex) {
        this.pattern = pattern;
        this.regex = regex;
    }

    /** The pattern {@code glob}; backslashes are read as {@code /}, as huggingface_hub does. */
    public static Glob of(String glob) {
        String g = glob.replace('\\', '/');
        if (g.endsWith("/")) {
            g += "*";
        }
        return new Glob(glob, Pattern.compile(translate(g), Pattern.DOTALL));
    }

    /** True if the whole of {@code path} matches. */
    public boolean matches(String path) {
        return regex.matcher(path).matches();
    }

    @Override
    public String toString() {
        return pattern;
    }

    /** fnmatch's translation: an unclosed {@code [} is a literal bracket. */
    private static String translate(String g) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        while (i < g.length()) {
            char c = g.charAt(i++);
            if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (c == '[') {
                int j = i;
                if (j < g.length() && g.charAt(j) == '!') {
                    j++;
                }
                if (j < g.length() && g.charAt(j) == ']') {
                    j++;
                }
                while (j < g.length() && g.charAt(j) != ']') {
                    j++;
                }
                if (j >= g.length()) {
                    re.append("\\[");
                } else {
                    String set = g.substring(i, j);
                    i = j + 1;
                    boolean negate = set.startsWith("!");
                    if (negate) {
                        set = set.substring(1);
                    }
                    re.append('[').append(negate ? "^" : "");
                    for (char s : set.toCharArray()) {
                        // '-' keeps its meaning (a range); characters special inside a Java class are escaped
                        re.append("\\[]^&".indexOf(s) >= 0 ? "\\" + s : String.valueOf(s));
                    }
                    re.append(']');
                }
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
