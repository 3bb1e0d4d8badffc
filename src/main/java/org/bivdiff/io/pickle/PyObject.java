package org.bivdiff.io.pickle;

/**
 * What a pickle asked to be built by calling or instantiating a global that is not allowed
 * ({@code REDUCE}, {@code NEWOBJ}, {@code INST}, {@code OBJ}): an inert record of the global and its
 * arguments. It was never executed. A later {@code BUILD} stores its state here; items a pickle appends
 * or sets on it are dropped.
 */
public final class PyObject {

    private final PyGlobal callable;
    private final PyTuple args;
    private Object state = PyNone.NONE;

    public PyObject(PyGlobal callable, PyTuple args) {
        this.callable = callable;
        this.args = args;
    }

    /** The global the pickle asked to call. */
    public PyGlobal callable() {
        return callable;
    }

    /** The arguments it would have been called with. */
    public PyTuple args() {
        return args;
    }

    /** The state a {@code BUILD} gave it, or {@code None}. */
    public Object state() {
        return state;
    }

    void setState(Object state) {
        this.state = state;
    }

    /** {@code module.name(args...)}, abbreviated. */
    @Override
    public String toString() {
        return Py.describe(this);
    }
}
