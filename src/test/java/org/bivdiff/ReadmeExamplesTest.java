package org.bivdiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java example of the README compiles against the library as it is: each block becomes the body of a method
 * of its own class, with the names the text leaves to the reader ({@code engine}, {@code image}, {@code sd}, ...)
 * as fields. {@code BivdiffTest} also runs the {@code Bivdiff} example.
 */
class ReadmeExamplesTest {

    private static final Pattern BLOCK = Pattern.compile("```java\n(.*?)\n```", Pattern.DOTALL);

    private static final String HEADER = """
            package readme;

            import java.nio.file.Path;
            import java.util.List;

            import org.bivdiff.bivdiff.*;
            import org.bivdiff.graph.*;
            import org.bivdiff.media.*;
            import org.bivdiff.media.annotators.*;
            import org.bivdiff.models.controlnet.*;
            import org.bivdiff.models.vae.*;
            import org.bivdiff.pipelines.*;
            import org.bivdiff.tensor.*;

            """;

    private static final String FIELDS = """
                Engine engine;
                Tensor image;
                Tensor noise;
                Tensor control;
                Path sd;
                Path controlNet;
                Path zeroscope;
            """;

    @Test
    void everyJavaExampleCompiles(@TempDir Path dir) throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        Matcher m = BLOCK.matcher(readme);
        List<Path> sources = new ArrayList<>();
        while (m.find()) {
            String name = "Example" + (sources.size() + 1);
            Path file = dir.resolve("readme/" + name + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, HEADER + "class " + name + " {\n" + FIELDS + "\n    void run() throws Exception {\n"
                    + m.group(1).indent(8) + "    }\n}\n", StandardCharsets.UTF_8);
            sources.add(file);
        }
        assertTrue(sources.size() >= 4, "README.md has " + sources.size() + " Java examples");

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        var log = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("-proc:none", "-d", dir.resolve("classes").toString(),
                "-cp", Path.of("target/classes").toAbsolutePath() + java.io.File.pathSeparator
                        + System.getProperty("java.class.path")));
        sources.forEach(s -> args.add(s.toString()));
        int code = javac.run(null, log, log, args.toArray(String[]::new));
        assertEquals(0, code, log.toString(StandardCharsets.UTF_8));
    }
}
