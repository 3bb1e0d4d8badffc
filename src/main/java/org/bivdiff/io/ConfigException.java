package org.bivdiff.io;

import java.io.IOException;

/** A config file is missing, malformed, or asks for something not implemented; the message names the file and key. */
public final class ConfigException extends IOException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
