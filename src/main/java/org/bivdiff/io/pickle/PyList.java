package org.bivdiff.io.pickle;

import java.util.ArrayList;
import java.util.List;

/** A Python list: mutable, compared by identity (as Python's unhashable lists are never keys). */
public final class PyList {

    private final List<Object> items = new ArrayList<>();

    /** The elements, live. */
    public List<Object> items() {
        return items;
    }

    @Override
    public String toString() {
        return Py.describe(this);
    }
}
