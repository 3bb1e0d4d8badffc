package org.bivdiff.io.pickle;

import java.io.IOException;

/**
 * A pickle that cannot be interpreted: truncated, malformed, or using a feature this interpreter refuses
 * (extension codes, out-of-band buffers). The message gives the byte position within the pickle.
 */
public final class PickleException extends IOException {

    public PickleException(String message) {
        super(message);
    }
}
