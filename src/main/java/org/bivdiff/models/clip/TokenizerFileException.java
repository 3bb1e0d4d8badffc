package org.bivdiff.models.clip;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A tokenizer file is missing, unreadable or malformed. The message starts with the file's path and then says
 * what is wrong with it, e.g. {@code ".../merges.txt: line 7: expected two symbols, found 3"}.
 */
public final class TokenizerFileException extends IOException {

    private final transient Path file;

    /** @param file the offending file; @param problem what is wrong with it */
    public TokenizerFileException(Path file, String problem) {
        this(file, problem, null);
    }

    /** @param file the offending file; @param problem what is wrong with it; @param cause the underlying error */
    public TokenizerFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file the problem is in. */
    public Path file() {
        return file;
    }
}
