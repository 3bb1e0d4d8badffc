package org.bivdiff.io.pickle;

/**
 * A reference to a Python global ({@code module.name}) that is not on the caller's allow-list. It is only
 * a name: nothing is looked up, imported or called, and calling it yields an inert {@link PyObject}.
 *
 * @param module the module, e.g. {@code os}
 * @param name   the attribute, e.g. {@code system}
 */
public record PyGlobal(String module, String name) {

    /** {@code module.name}. */
    public String qualifiedName() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
