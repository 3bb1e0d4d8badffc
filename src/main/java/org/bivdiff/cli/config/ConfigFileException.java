package org.bivdiff.cli.config;

import java.io.IOException;
import java.nio.file.Path;

/** A run config is missing, malformed, or has a bad value; the message names the file and the key. */
public final class ConfigFileException extends IOException {

    private static final long serialVersionUID = 1L;

    public ConfigFileException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
