package org.bivdiff.io.hub;

import java.io.IOException;

/** The Hub or the cache cannot give what was asked; the message names the repository, revision or file. */
public class HubException extends IOException {

    private static final long serialVersionUID = 1L;

    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
