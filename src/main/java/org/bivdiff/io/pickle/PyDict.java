package org.bivdiff.io.pickle;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Python dict or {@code collections.OrderedDict}, in insertion order. Keys are hashable values only
 * (strings, numbers, booleans, {@code None}, bytes, inert objects, and tuples of those); a
 * {@code BUILD} on the dict (how pickle restores an {@code OrderedDict}'s {@code _metadata}
 * attribute) is kept as its {@link #state()}, not merged into the entries.
 */
public final class PyDict {

    private final Map<Object, Object> entries = new LinkedHashMap<>();
    private Object state = PyNone.NONE;

    /** The entries in insertion order, unmodifiable. */
    public Map<Object, Object> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /** The value under {@code key}, or null. */
    public Object get(Object key) {
        return entries.get(key);
    }

    /** Number of entries. */
    public int size() {
        return entries.size();
    }

    /** The state a {@code BUILD} gave the dict (its instance attributes), or {@code None}. */
    public Object state() {
        return state;
    }

    /**
     * Sets {@code key} to {@code value}, as a pickle's {@code SETITEM(S)} does.
     *
     * @throws PickleException if {@code key} is not hashable
     */
    public void put(Object key, Object value) throws PickleException {
        Py.requireHashable(key);
        entries.put(key, value);
    }

    void setState(Object state) {
        this.state = state;
    }

    @Override
    public String toString() {
        return Py.describe(this);
    }
}
