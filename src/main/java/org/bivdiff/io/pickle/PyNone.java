package org.bivdiff.io.pickle;

/** Python's {@code None}. */
public enum PyNone {
    NONE;

    @Override
    public String toString() {
        return "None";
    }
}
