package org.bivdiff.io.pickle;

import java.util.List;

/**
 * A Python tuple. Equality is by value (tuples may be dictionary keys); the interpreter only lets tuples
 * of bounded depth and hashable items become keys, so {@link #hashCode} never recurses deeply.
 *
 * @param items the elements
 */
public record PyTuple(List<Object> items) {

    public PyTuple {
        items = List.copyOf(items);
    }

    /** Element {@code i}. */
    public Object get(int i) {
        return items.get(i);
    }

    /** Number of elements. */
    public int size() {
        return items.size();
    }

    @Override
    public String toString() {
        return Py.describe(this);
    }
}
