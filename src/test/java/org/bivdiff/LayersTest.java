package org.bivdiff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The lowest layers import nothing above them: {@code tensor} nothing of ours, {@code io} only {@code tensor}. */
class LayersTest {

    private static final Path SOURCES = Path.of("src/main/java/org/bivdiff");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?org\\.bivdiff\\.([a-z0-9]+)",
            Pattern.MULTILINE);

    @Test
    void tensorImportsNothingOfOurs() throws IOException {
        assertEquals(Set.of(), importedPackages("tensor", Set.of("tensor")));
    }

    @Test
    void ioImportsOnlyTensor() throws IOException {
        assertEquals(Set.of(), importedPackages("io", Set.of("io", "tensor")));
    }

    /** The top-level packages that files under {@code pkg} import, other than {@code allowed}, with the file. */
    private static Set<String> importedPackages(String pkg, Set<String> allowed) throws IOException {
        Set<String> found = new TreeSet<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(SOURCES.resolve(pkg))) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        for (Path f : files) {
            Matcher m = IMPORT.matcher(Files.readString(f));
            while (m.find()) {
                if (!allowed.contains(m.group(1))) {
                    found.add(SOURCES.relativize(f) + " imports org.bivdiff." + m.group(1));
                }
            }
        }
        return found;
    }
}
