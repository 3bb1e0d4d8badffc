package org.bivdiff.conformance;

import java.nio.file.Path;

/** Where the golden fixture set lives: {@code $BIVDIFF_FIXTURES}, by default {@code ../shared/fixtures}. */
public final class Fixtures {

    /** The environment variable naming the fixture root. */
    public static final String ENV = "BIVDIFF_FIXTURES";

    private Fixtures() {
    }

    /** The fixture root from the environment, or the default, as an absolute path. */
    public static Path root() {
        String env = System.getenv(ENV);
        Path p = Path.of(env == null || env.isBlank() ? "../shared/fixtures" : env);
        return p.toAbsolutePath().normalize();
    }
}
