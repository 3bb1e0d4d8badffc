package org.bivdiff.io.pickle;

import java.util.ArrayList;
import java.util.List;

/**
 * A Python set or frozenset, kept as the list of items the pickle added (sets only appear outside state
 * dicts, e.g. in a pickled module's attributes, so no hashing is done).
 */
public final class PySet {

    private final List<Object> items = new ArrayList<>();
    private final boolean frozen;

    public PySet(boolean frozen) {
        this.frozen = frozen;
    }

    /** The items in pickle order, live. */
    public List<Object> items() {
        return items;
    }

    /** True for a frozenset. */
    public boolean frozen() {
        return frozen;
    }

    @Override
    public String toString() {
        return Py.describe(this);
    }
}
