package org.bivdiff.io.pickle;

import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Interprets one pickle (protocols 0 to 5) into plain values (see {@link Py}) without executing anything.
 * Python's {@code pickle} module resolves every {@code GLOBAL} by importing it and calls what
 * {@code REDUCE} names, which is how a pickle runs arbitrary code. Here a global is only ever looked up
 * in the {@link Resolver}'s fixed allow-list; any other stays a {@link PyGlobal} name, and calling it
 * gives an inert {@link PyObject} recording the call.
 *
 * <p>Hostile input ends in a {@link PickleException} naming the byte position: a truncated pickle, an
 * unknown opcode, a stack underflow, a memo miss, a length past the end, an integer of more than
 * {@value #MAX_INT_BYTES} bytes, more than {@value #MAX_VALUES} values, marks nested deeper than
 * {@value #MAX_MARK_DEPTH}, extension codes, out-of-band buffers. Every opcode consumes at least one
 * byte, so interpretation ends; nothing here recurses over the values.
 */
public final class Unpickler {

    /** How a caller gives meaning to the globals it allows and to persistent ids. */
    public interface Resolver {

        /**
         * The value {@code GLOBAL module name} pushes if the global is allowed, else null (the global then
         * stays an inert {@link PyGlobal}). Must be a fixed table lookup: never load or import anything.
         */
        Object global(String module, String name);

        /**
         * The result of calling an allowed global's value {@code callable} (as {@link #global} returned it)
         * with {@code args}, for {@code REDUCE}, {@code NEWOBJ}, {@code INST} and {@code OBJ}.
         */
        Object call(Object callable, PyTuple args) throws PickleException;

        /** The object a persistent id stands for ({@code BINPERSID} / {@code PERSID}). */
        Object persistentLoad(Object pid) throws PickleException;
    }

    /**
     * An interpreted pickle.
     *
     * @param value the object the pickle's {@code STOP} returned
     * @param end   the position just past {@code STOP}, where a following pickle starts
     */
    public record Result(Object value, long end) {
    }

    /**
     * Most values one pickle may create: at worst a few hundred megabytes of heap, and some twenty times
     * what the largest real checkpoints need (a Stable Diffusion checkpoint with EMA weights and
     * optimizer state is about a hundred thousand).
     */
    public static final int MAX_VALUES = 2_000_000;
    /** Deepest nesting of {@code MARK}s. */
    public static final int MAX_MARK_DEPTH = 4096;
    /** Longest {@code LONG1} / {@code LONG4} integer, in bytes. */
    public static final int MAX_INT_BYTES = 1024;
    private static final int HIGHEST_PROTOCOL = 5;

    private final PickleInput in;
    private final Resolver resolver;
    private ArrayList<Object> stack = new ArrayList<>();
    private final ArrayDeque<ArrayList<Object>> metastack = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int values;
    private long opPos;

    private Unpickler(MemorySegment data, long start, long end, Resolver resolver) {
        this.in = new PickleInput(data, start, end);
        this.resolver = resolver;
    }

    /**
     * Interprets the pickle starting at {@code start} in {@code data}, reading no further than
     * {@code end}.
     *
     * @throws PickleException if the pickle is malformed or refused (see the class comment)
     */
    public static Result load(MemorySegment data, long start, long end, Resolver resolver) throws PickleException {
        if (start < 0 || end > data.byteSize() || start > end) {
            throw new IllegalArgumentException("range [" + start + ", " + end + ") outside " + data.byteSize() + " bytes");
        }
        Unpickler u = new Unpickler(data, start, end, resolver);
        Object value = u.run();
        return new Result(value, u.in.position());
    }

    private Object run() throws PickleException {
        while (true) {
            opPos = in.offset();
            if (in.remaining() == 0) {
                throw new PickleException("truncated at byte " + opPos + ": the pickle ends without STOP");
            }
            int op = in.u8();
            try {
                if (op == '.') {
                    return pop();
                }
                step(op);
            } catch (PickleException e) {
                throw new PickleException("at byte " + opPos + " (opcode " + opName(op) + "): " + e.getMessage());
            }
        }
    }

    private void step(int op) throws PickleException {
        switch (op) {
            case 0x80 -> protocol();
            case 0x95 -> in.lengthField(in.i64(), "FRAME");   // a framing hint: its opcodes follow as usual
            case '(' -> mark();
            case ')' -> push(new PyTuple(List.of()));
            case ']' -> push(new PyList());
            case '}' -> push(new PyDict());
            case 0x8f -> push(new PySet(false));
            case 'N' -> push(PyNone.NONE);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'J' -> push((long) in.i32());
            case 'K' -> push((long) in.u8());
            case 'M' -> push((long) in.u16());
            case 0x8a -> push(longBytes(in.u8()));
            case 0x8b -> push(longBytes(in.lengthField(in.i32(), "LONG4")));
            case 'G' -> push(in.f64be());
            case 'X' -> push(in.utf8(in.lengthField(in.i32() & 0xffffffffL, "BINUNICODE")));
            case 0x8c -> push(in.utf8(in.u8()));
            case 0x8d -> push(in.utf8(in.lengthField(in.i64(), "BINUNICODE8")));
            case 'T' -> push(in.utf8(in.lengthField(in.i32(), "BINSTRING")));
            case 'U' -> push(in.utf8(in.u8()));
            case 'B' -> push(new PyBytes(in.bytes(in.lengthField(in.i32() & 0xffffffffL, "BINBYTES"))));
            case 'C' -> push(new PyBytes(in.bytes(in.u8())));
            case 0x8e -> push(new PyBytes(in.bytes(in.lengthField(in.i64(), "BINBYTES8"))));
            case 0x96 -> push(new PyBytes(in.bytes(in.lengthField(in.i64(), "BYTEARRAY8"))));
            case 0x98 -> peek();
            case 0x97 -> throw new PickleException("out-of-band buffers (NEXT_BUFFER) are not supported");
            case 0x82, 0x83, 0x84 -> throw new PickleException("extension registry codes (EXT1/2/4) are not supported");
            case 'I', 'L', 'F', 'S', 'V', 'g', 'p', 'P', 'c', 'i' -> TextOpcodes.step(this, in, op);
            case 'h' -> push(memoGet(in.u8()));
            case 'j' -> push(memoGet(in.i32() & 0xffffffffL));
            case 'q' -> memoPut(in.u8());
            case 'r' -> memoPut(in.i32() & 0xffffffffL);
            case 0x94 -> memoPut(memo.size());
            case 't' -> push(new PyTuple(popMark()));
            case 0x85 -> push(new PyTuple(popN(1)));
            case 0x86 -> push(new PyTuple(popN(2)));
            case 0x87 -> push(new PyTuple(popN(3)));
            case 'l' -> push(list(popMark()));
            case 'd' -> push(dict(popMark()));
            case 0x91 -> push(set(popMark(), true));
            case 'a' -> append(List.of(pop()));
            case 'e' -> append(popMark());
            case 's' -> setItems(popN(2));
            case 'u' -> setItems(popMark());
            case 0x90 -> addItems(popMark());
            case '0' -> popOrMark();
            case '1' -> popMark();
            case '2' -> push(peek());
            case 0x93 -> stackGlobal();
            case 'R' -> reduce();
            case 0x81 -> newObj(false);
            case 0x92 -> newObj(true);
            case 'o' -> obj();
            case 'b' -> build();
            case 'Q' -> push(persistentLoad(pop()));
            default -> throw new PickleException("unknown opcode");
        }
    }

    private void protocol() throws PickleException {
        int p = in.u8();
        if (p > HIGHEST_PROTOCOL) {
            throw new PickleException("unsupported pickle protocol " + p + " (highest known: " + HIGHEST_PROTOCOL + ")");
        }
    }

    // ---- stack

    void push(Object v) throws PickleException {
        if (v == null) {
            throw new IllegalStateException("the resolver returned null; values are never null (None is PyNone.NONE)");
        }
        if (++values > MAX_VALUES) {
            throw new PickleException("more than " + MAX_VALUES + " values: too large for a checkpoint's pickle");
        }
        stack.add(v);
    }

    Object pop() throws PickleException {
        if (stack.isEmpty()) {
            throw new PickleException("stack underflow" + (metastack.isEmpty() ? "" : " (inside a MARK)"));
        }
        return stack.removeLast();
    }

    private Object peek() throws PickleException {
        if (stack.isEmpty()) {
            throw new PickleException("stack underflow" + (metastack.isEmpty() ? "" : " (inside a MARK)"));
        }
        return stack.getLast();
    }

    private List<Object> popN(int n) throws PickleException {
        if (n == 1) {
            return List.of(pop());
        }
        if (stack.size() < n) {
            throw new PickleException("stack underflow: needs " + n + " items, has " + stack.size());
        }
        List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return items;
    }

    private void mark() throws PickleException {
        if (metastack.size() >= MAX_MARK_DEPTH) {
            throw new PickleException("MARKs nested deeper than " + MAX_MARK_DEPTH);
        }
        metastack.push(stack);
        stack = new ArrayList<>();
    }

    List<Object> popMark() throws PickleException {
        if (metastack.isEmpty()) {
            throw new PickleException("no MARK to pop to");
        }
        List<Object> items = stack;
        stack = metastack.pop();
        return items;
    }

    /** {@code POP}: Python drops the top item, or, with an empty stack inside a mark, the mark. */
    private void popOrMark() throws PickleException {
        if (stack.isEmpty() && !metastack.isEmpty()) {
            popMark();
        } else {
            pop();
        }
    }

    // ---- memo

    Object memoGet(long index) throws PickleException {
        Object v = memo.get(index);
        if (v == null) {
            throw new PickleException("memo index " + index + " was never stored");
        }
        return v;
    }

    void memoPut(long index) throws PickleException {
        if (++values > MAX_VALUES) {
            throw new PickleException("more than " + MAX_VALUES + " values: too large for a checkpoint's pickle");
        }
        memo.put(index, peek());
    }

    // ---- containers

    private PyList list(List<Object> items) {
        PyList l = new PyList();
        l.items().addAll(items);
        return l;
    }

    private PyDict dict(List<Object> items) throws PickleException {
        PyDict d = new PyDict();
        putPairs(d, items);
        return d;
    }

    private static PySet set(List<Object> items, boolean frozen) {
        PySet s = new PySet(frozen);
        s.items().addAll(items);
        return s;
    }

    private void append(List<Object> items) throws PickleException {
        switch (peek()) {
            case PyList l -> l.items().addAll(items);
            case PyObject o -> { }   // an inert object's list items are dropped
            case Object other -> throw new PickleException("cannot append to a " + Py.typeName(other));
        }
    }

    private void setItems(List<Object> items) throws PickleException {
        switch (peek()) {
            case PyDict d -> putPairs(d, items);
            case PyObject o -> {
                if (items.size() % 2 != 0) {
                    throw new PickleException("SETITEMS with an odd number of items (" + items.size() + ")");
                }
            }
            case Object other -> throw new PickleException("cannot set items on a " + Py.typeName(other));
        }
    }

    private static void putPairs(PyDict d, List<Object> items) throws PickleException {
        if (items.size() % 2 != 0) {
            throw new PickleException("an odd number of items (" + items.size() + ") for key-value pairs");
        }
        for (int i = 0; i < items.size(); i += 2) {
            d.put(items.get(i), items.get(i + 1));
        }
    }

    private void addItems(List<Object> items) throws PickleException {
        if (!(peek() instanceof PySet s) || s.frozen()) {
            throw new PickleException("cannot add items to a " + Py.typeName(peek()));
        }
        s.items().addAll(items);
    }

    // ---- globals and calls

    /** {@code GLOBAL} / {@code STACK_GLOBAL} / {@code INST}: the allowed value, or an inert name. */
    Object global(String module, String name) {
        Object allowed = resolver.global(module, name);
        return allowed != null ? allowed : new PyGlobal(module, name);
    }

    private void stackGlobal() throws PickleException {
        Object name = pop();
        Object module = pop();
        if (!(module instanceof String m) || !(name instanceof String n)) {
            throw new PickleException("STACK_GLOBAL needs two strings, got " + Py.typeName(module) + " and "
                    + Py.typeName(name));
        }
        push(global(m, n));
    }

    /** A call of {@code callable}: inert for a name that is not allowed, else the resolver's. */
    Object call(Object callable, PyTuple args) throws PickleException {
        return callable instanceof PyGlobal g ? new PyObject(g, args) : resolver.call(callable, args);
    }

    Object persistentLoad(Object pid) throws PickleException {
        return resolver.persistentLoad(pid);
    }

    private void reduce() throws PickleException {
        Object args = pop();
        Object callable = pop();
        if (!(args instanceof PyTuple t)) {
            throw new PickleException("REDUCE arguments must be a tuple, got " + Py.typeName(args));
        }
        push(call(callable, t));
    }

    private void newObj(boolean withKwargs) throws PickleException {
        if (withKwargs && !(pop() instanceof PyDict)) {
            throw new PickleException("NEWOBJ_EX keyword arguments must be a dict");
        }
        Object args = pop();
        Object cls = pop();
        if (!(args instanceof PyTuple t)) {
            throw new PickleException("NEWOBJ arguments must be a tuple, got " + Py.typeName(args));
        }
        push(call(cls, t));
    }

    private void obj() throws PickleException {
        List<Object> items = popMark();
        if (items.isEmpty()) {
            throw new PickleException("OBJ without a class");
        }
        push(call(items.getFirst(), new PyTuple(items.subList(1, items.size()))));
    }

    private void build() throws PickleException {
        Object state = pop();
        switch (peek()) {
            case PyObject o -> o.setState(state);
            case PyDict d -> d.setState(state);
            case Object other -> throw new PickleException("BUILD on a " + Py.typeName(other));
        }
    }

    // ---- numbers

    /** A little-endian two's-complement integer of {@code n} bytes ({@code LONG1} / {@code LONG4}). */
    private Object longBytes(long n) throws PickleException {
        if (n > MAX_INT_BYTES) {
            throw new PickleException("integer of " + n + " bytes (at most " + MAX_INT_BYTES + " are read)");
        }
        byte[] le = in.bytes(n);
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        return le.length == 0 ? (Object) 0L : normalise(new BigInteger(be));
    }

    /** A Python int as a Long where it fits, else a BigInteger. */
    static Object normalise(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static String opName(int op) {
        return op >= 0x20 && op < 0x7f ? "'" + (char) op + "'" : String.format("0x%02x", op);
    }
}
