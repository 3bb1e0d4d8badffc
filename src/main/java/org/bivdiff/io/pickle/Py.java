package org.bivdiff.io.pickle;

import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

/**
 * Helpers over pickle values: their Python type names, hashability, and a short description for error
 * messages that stays short on deep, long or cyclic values.
 *
 * <p>Values are {@link String}, {@link Long} or {@link BigInteger} (ints), {@link Double},
 * {@link Boolean}, {@link PyNone}, {@link PyBytes}, {@link PyTuple}, {@link PyList}, {@link PyDict},
 * {@link PySet}, {@link PyGlobal}, {@link PyObject}, and whatever an {@link Unpickler.Resolver} makes of
 * its allowed globals and persistent ids.
 */
public final class Py {

    /** Deepest tuple that may be a dictionary key. */
    static final int MAX_KEY_DEPTH = 32;
    private static final int DESCRIBE_DEPTH = 3;
    private static final int DESCRIBE_ITEMS = 6;
    private static final int DESCRIBE_STRING = 80;

    private Py() {
    }

    /** Python's name for the type of {@code v} ({@code str}, {@code int}, {@code OrderedDict}, ...). */
    public static String typeName(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "str";
            case Long l -> "int";
            case BigInteger b -> "int";
            case Double d -> "float";
            case Boolean b -> "bool";
            case PyNone n -> "NoneType";
            case PyBytes b -> "bytes";
            case PyTuple t -> "tuple";
            case PyList l -> "list";
            case PyDict d -> "dict";
            case PySet s -> s.frozen() ? "frozenset" : "set";
            case PyGlobal g -> "global " + g.qualifiedName();
            case PyObject o -> "call of " + o.callable().qualifiedName();
            default -> v.toString();
        };
    }

    /**
     * A one-line description of {@code v}, at most a few hundred characters whatever its size or depth,
     * e.g. {@code os.system('echo pwned')}.
     */
    public static String describe(Object v) {
        StringBuilder sb = new StringBuilder();
        describe(v, sb, DESCRIBE_DEPTH);
        return sb.toString();
    }

    private static void describe(Object v, StringBuilder sb, int depth) {
        switch (v) {
            case String s -> sb.append('\'').append(s.length() > DESCRIBE_STRING
                    ? s.substring(0, DESCRIBE_STRING) + "..." : s).append('\'');
            case PyBytes b -> sb.append("b<").append(b.bytes().length).append(" bytes>");
            case PyTuple t -> items(t.items().iterator(), t.size(), "(", t.size() == 1 ? ",)" : ")", sb, depth);
            case PyList l -> items(l.items().iterator(), l.items().size(), "[", "]", sb, depth);
            case PySet s -> items(s.items().iterator(), s.items().size(), typeName(s) + "({", "})", sb, depth);
            case PyDict d -> entries(d.entries(), sb, depth);
            case PyObject o -> {
                sb.append(o.callable().qualifiedName());
                items(o.args().items().iterator(), o.args().size(), "(", ")", sb, depth);
            }
            case null -> sb.append("null");
            default -> sb.append(v);
        }
    }

    private static void items(Iterator<Object> it, int size, String open, String close, StringBuilder sb, int depth) {
        sb.append(open);
        if (depth == 0 && size > 0) {
            sb.append("...");
        } else {
            for (int i = 0; it.hasNext() && i < DESCRIBE_ITEMS; i++) {
                sb.append(i == 0 ? "" : ", ");
                describe(it.next(), sb, depth - 1);
            }
            if (size > DESCRIBE_ITEMS) {
                sb.append(", ... ").append(size - DESCRIBE_ITEMS).append(" more");
            }
        }
        sb.append(close);
    }

    private static void entries(Map<Object, Object> m, StringBuilder sb, int depth) {
        sb.append('{');
        if (depth == 0 && !m.isEmpty()) {
            sb.append("...");
        } else {
            int i = 0;
            for (Map.Entry<Object, Object> e : m.entrySet()) {
                if (i == DESCRIBE_ITEMS) {
                    sb.append(", ... ").append(m.size() - DESCRIBE_ITEMS).append(" more");
                    break;
                }
                sb.append(i++ == 0 ? "" : ", ");
                describe(e.getKey(), sb, depth - 1);
                sb.append(": ");
                describe(e.getValue(), sb, depth - 1);
            }
        }
        sb.append('}');
    }

    /**
     * Checks that {@code key} may be a dictionary key: Python's unhashable lists, dicts and sets may not,
     * nor tuples containing them or nested deeper than {@value #MAX_KEY_DEPTH}.
     */
    static void requireHashable(Object key) throws PickleException {
        requireHashable(key, MAX_KEY_DEPTH);
    }

    private static void requireHashable(Object key, int depth) throws PickleException {
        switch (key) {
            case PyList l -> throw new PickleException("unhashable dictionary key of type list");
            case PyDict d -> throw new PickleException("unhashable dictionary key of type dict");
            case PySet s when !s.frozen() -> throw new PickleException("unhashable dictionary key of type set");
            case PySet s -> throw new PickleException("frozenset dictionary keys are not supported");
            case PyTuple t -> {
                if (depth == 0) {
                    throw new PickleException("dictionary key tuple nested deeper than " + MAX_KEY_DEPTH);
                }
                for (Object item : t.items()) {
                    requireHashable(item, depth - 1);
                }
            }
            default -> {
            }
        }
    }
}
