package org.bivdiff.io.pickle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The opcode interpreter: what each opcode builds, that nothing is ever resolved, and hostile pickles. */
class UnpicklerTest {

    /** Allows only collections.OrderedDict; persistent ids come back tagged. */
    private static final Unpickler.Resolver RESOLVER = new Unpickler.Resolver() {
        @Override
        public Object global(String module, String name) {
            return module.equals("collections") && name.equals("OrderedDict") ? "<OrderedDict>" : null;
        }

        @Override
        public Object call(Object callable, PyTuple args) {
            return new PyDict();
        }

        @Override
        public Object persistentLoad(Object pid) {
            return "loaded " + pid;
        }
    };

    /**
     * {@code pickle.dumps(obj, protocol=p)} of CPython 3 for p = 0..5, with
     * {@code obj = {'a': [1, -2, 3.5, 'x\u00e9', b'y', (True, None, False)], 'big': -2**70, 'n': 65536,
     * 'neg': -1, 't1': (7,), 'od': collections.OrderedDict([('k', 1)])}}.
     */
    private static final String[] PYTHON_PICKLES = {
        "286470300a56610a70310a286c70320a49310a61492d320a6146332e350a615678e90a70330a61635f636f646563730a656e636f64650a70"
            + "340a2856790a70350a566c6174696e310a70360a7470370a5270380a61284930310a4e4930300a7470390a6173566269670a7031300a"
            + "4c2d313138303539313632303731373431313330333432344c0a73566e0a7031310a4936353533360a73566e65670a7031320a492d31"
            + "0a735674310a7031330a2849370a747031340a73566f640a7031350a63636f6c6c656374696f6e730a4f726465726564446963740a70"
            + "31360a2874527031370a566b0a7031380a49310a73732e",
        "7d71002858010000006171015d7102284b014afeffffff47400c000000000000580300000078c3a97103635f636f646563730a656e636f"
            + "64650a710428580100000079710558060000006c6174696e317106747107527108284930310a4e4930300a7471096558030000006269"
            + "67710a4c2d313138303539313632303731373431313330333432344c0a58010000006e710b4a0000010058030000006e6567710c4aff"
            + "ffffff58020000007431710d284b0774710e58020000006f64710f63636f6c6c656374696f6e730a4f726465726564446963740a7110"
            + "2952711158010000006b71124b0173752e",
        "80027d71002858010000006171015d7102284b014afeffffff47400c000000000000580300000078c3a97103635f636f646563730a656e"
            + "636f64650a7104580100000079710558060000006c6174696e317106867107527108884e89877109655803000000626967710a8a0900"
            + "00000000000000c058010000006e710b4a0000010058030000006e6567710c4affffffff58020000007431710d4b0785710e58020000"
            + "006f64710f63636f6c6c656374696f6e730a4f726465726564446963740a71102952711158010000006b71124b0173752e",
        "80037d71002858010000006171015d7102284b014afeffffff47400c000000000000580300000078c3a971034301797104884e89877105"
            + "65580300000062696771068a090000000000000000c058010000006e71074a0000010058030000006e656771084affffffff58020000"
            + "00743171094b0785710a58020000006f64710b63636f6c6c656374696f6e730a4f726465726564446963740a710c2952710d58010000"
            + "006b710e4b0173752e",
        "80049587000000000000007d94288c0161945d94284b014afeffffff47400c0000000000008c0378c3a99443017994884e898794658c03"
            + "626967948a090000000000000000c08c016e944a000001008c036e6567944affffffff8c027431944b0785948c026f64948c0b636f6c"
            + "6c656374696f6e73948c0b4f726465726564446963749493942952948c016b944b0173752e",
        "80059587000000000000007d94288c0161945d94284b014afeffffff47400c0000000000008c0378c3a99443017994884e898794658c03"
            + "626967948a090000000000000000c08c016e944a000001008c036e6567944affffffff8c027431944b0785948c026f64948c0b636f6c"
            + "6c656374696f6e73948c0b4f726465726564446963749493942952948c016b944b0173752e",
    };

    private static Object load(byte[] pickle) throws PickleException {
        return Unpickler.load(MemorySegment.ofArray(pickle), 0, pickle.length, RESOLVER).value();
    }

    private static PickleException rejects(byte[] pickle, String... fragments) {
        PickleException e = assertThrows(PickleException.class, () -> load(pickle));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message should contain '" + f + "': " + e.getMessage());
        }
        return e;
    }

    private static byte[] bytes(String ascii) {
        return ascii.getBytes(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void pythonPicklesOfEveryProtocol(int protocol) throws PickleException {
        PyDict d = assertInstanceOf(PyDict.class, load(HexFormat.of().parseHex(PYTHON_PICKLES[protocol])));
        assertEquals(List.of("a", "big", "n", "neg", "t1", "od"), List.copyOf(d.entries().keySet()));
        List<Object> a = assertInstanceOf(PyList.class, d.get("a")).items();
        assertEquals(1L, a.get(0));
        assertEquals(-2L, a.get(1));
        assertEquals(3.5, a.get(2));
        assertEquals("x\u00e9", a.get(3));
        if (protocol < 3) {
            // bytes before protocol 3 are a call of _codecs.encode: never made, kept as an inert record
            PyObject call = assertInstanceOf(PyObject.class, a.get(4));
            assertEquals(new PyGlobal("_codecs", "encode"), call.callable());
            assertEquals(List.of("y", "latin1"), call.args().items());
        } else {
            assertEquals(new PyBytes(new byte[] {'y'}), a.get(4));
        }
        assertEquals(new PyTuple(List.of(true, PyNone.NONE, false)), a.get(5));
        assertEquals(BigInteger.TWO.pow(70).negate(), d.get("big"));
        assertEquals(65536L, d.get("n"));
        assertEquals(-1L, d.get("neg"));
        assertEquals(new PyTuple(List.of(7L)), d.get("t1"));
        assertEquals(1L, assertInstanceOf(PyDict.class, d.get("od")).get("k"));
    }

    @Test
    void globalsOutsideTheAllowListAreNeverResolved() throws PickleException {
        byte[] p = new PickleWriter().proto().global("os", "system").string("echo pwned").op(0x85).op('R').op('.')
                .toByteArray();
        PyObject call = assertInstanceOf(PyObject.class, load(p));
        assertEquals("os.system", call.callable().qualifiedName());
        assertEquals("os.system('echo pwned')", call.toString());
        // STACK_GLOBAL, NEWOBJ, NEWOBJ_EX, INST and OBJ are inert the same way
        byte[] p4 = new PickleWriter().raw((byte) 0x80, (byte) 4).string("builtins").string("eval").op(0x93)
                .op('(').string("1").op('t').op(0x81).op('.').toByteArray();
        assertEquals("builtins.eval('1')", load(p4).toString());
        byte[] ex = new PickleWriter().proto().global("m", "C").op(')').op('}').op(0x92).op('.').toByteArray();
        assertEquals("m.C()", load(ex).toString());
        assertEquals("m.C(1)", load(bytes("(I1\nim\nC\n.")).toString());
        assertEquals("m.C(2)", load(bytes("(cm\nC\nI2\no.")).toString());
        PyGlobal g = assertInstanceOf(PyGlobal.class, load(bytes("cos\nsystem\n.")));
        assertEquals(new PyGlobal("os", "system"), g);
    }

    @Test
    void buildStoresStateOnInertObjectsAndDicts() throws PickleException {
        PyObject o = assertInstanceOf(PyObject.class, load(bytes("cm\nC\n)R}S'a'\nI1\nsb.")));
        assertEquals(1L, assertInstanceOf(PyDict.class, o.state()).get("a"));
        PyDict d = assertInstanceOf(PyDict.class, load(bytes("ccollections\nOrderedDict\n)R}bI5\nI6\ns.")));
        assertInstanceOf(PyDict.class, d.state());
        assertEquals(6L, d.get(5L));
        // items set or appended on an inert object are dropped, not executed
        assertInstanceOf(PyObject.class, load(bytes("cm\nC\n)R(I1\nI2\nuI3\na(I4\ne.")));
        rejects(bytes("S'x'\nNb."), "BUILD on a str");
    }

    @Test
    void persistentIdsGoToTheResolver() throws PickleException {
        assertEquals("loaded ('storage', 3)", load(new PickleWriter().proto().string("storage").integer(3).op(0x86)
                .op('Q').op('.').toByteArray()));
        assertEquals("loaded abc", load(bytes("Pabc\n.")));
    }

    @Test
    void textOpcodes() throws PickleException {
        assertEquals(Boolean.TRUE, load(bytes("I01\n.")));
        assertEquals(Boolean.FALSE, load(bytes("I00\n.")));
        assertEquals(255L, load(bytes("I0xff\n.")));
        assertEquals(new BigInteger("123456789012345678901234567890"), load(bytes("L123456789012345678901234567890L\n.")));
        assertEquals(Double.NEGATIVE_INFINITY, load(bytes("F-inf\n.")));
        assertEquals(0.25, load(bytes("F0.25\n.")));
        assertEquals("a\nb'\u00e9", load(bytes("S'a\\nb\\'\\xc3\\xa9'\n.")));
        assertEquals("\u00e9\u20ac", load(bytes("V\u00e9\\u20ac\n.")));
        assertEquals(new PyTuple(List.of("x", "x")), load(bytes("S\"x\"\np7\n0g7\ng7\n\u0086.")));
        rejects(bytes("Iabc\n."), "not an integer literal");
        rejects(bytes("F1e\n."), "not a float literal");
        rejects(bytes("Sabc\n."), "must be quoted");
        rejects(bytes("I1"), "no terminating newline");
        rejects(bytes("I" + "9".repeat(5000) + "\n."), "at most 4300");
    }

    @Test
    void binaryNumbersStringsAndBytes() throws PickleException {
        assertEquals(-5L, load(new PickleWriter().integer(-5).op('.').toByteArray()));
        assertEquals(Long.MIN_VALUE, load(new PickleWriter().integer(Long.MIN_VALUE).op('.').toByteArray()));
        assertEquals(0L, load(new byte[] {(byte) 0x8a, 0, '.'}));
        assertEquals(BigInteger.ONE.shiftLeft(64), load(new byte[] {(byte) 0x8b, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, '.'}));
        assertEquals(1e300, load(new PickleWriter().floating(1e300).op('.').toByteArray()));
        assertEquals("hi", load(new byte[] {'U', 2, 'h', 'i', '.'}));
        assertEquals("hi", load(new byte[] {'T', 2, 0, 0, 0, 'h', 'i', '.'}));
        assertEquals("hi", load(new byte[] {(byte) 0x8c, 2, 'h', 'i', '.'}));
        assertEquals("hi", load(new byte[] {(byte) 0x8d, 2, 0, 0, 0, 0, 0, 0, 0, 'h', 'i', '.'}));
        assertArrayEquals(new byte[] {7, 8}, assertInstanceOf(PyBytes.class,
                load(new byte[] {'B', 2, 0, 0, 0, 7, 8, '.'})).bytes());
        assertArrayEquals(new byte[] {7}, ((PyBytes) load(new byte[] {(byte) 0x8e, 1, 0, 0, 0, 0, 0, 0, 0, 7, '.'})).bytes());
        assertArrayEquals(new byte[] {7}, ((PyBytes) load(new byte[] {(byte) 0x96, 1, 0, 0, 0, 0, 0, 0, 0, 7,
            (byte) 0x98, '.'})).bytes());
        rejects(new byte[] {'X', 2, 0, 0, 0, (byte) 0xff, (byte) 0xfe, '.'}, "not valid UTF-8");
    }

    @Test
    void containersMemoAndStackOps() throws PickleException {
        PySet s = assertInstanceOf(PySet.class, load(new byte[] {(byte) 0x8f, '(', 'K', 1, 'K', 2, (byte) 0x90, '.'}));
        assertEquals(List.of(1L, 2L), s.items());
        assertTrue(((PySet) load(new byte[] {'(', 'K', 1, (byte) 0x91, '.'})).frozen());
        PyList l = assertInstanceOf(PyList.class, load(new byte[] {'(', 'K', 1, 'l', 'K', 2, 'a', '.'}));
        assertEquals(List.of(1L, 2L), l.items());
        PyDict d = assertInstanceOf(PyDict.class, load(new byte[] {'(', 'K', 1, 'K', 2, 'd', '.'}));
        assertEquals(2L, d.get(1L));
        assertEquals(new PyTuple(List.of(1L, 2L, 3L)), load(new byte[] {'K', 1, 'K', 2, 'K', 3, (byte) 0x87, '.'}));
        // MEMOIZE, LONG_BINPUT / LONG_BINGET, DUP, POP, POP_MARK, FRAME
        Object v = load(new byte[] {(byte) 0x80, 4, (byte) 0x95, 10, 0, 0, 0, 0, 0, 0, 0, 'K', 9, (byte) 0x94, '(',
            'K', 1, '1', 'h', 0, '2', (byte) 0x86, '.'});
        assertEquals(new PyTuple(List.of(9L, 9L)), v);
        assertEquals(3L, load(new byte[] {'K', 3, 'r', 5, 0, 0, 0, '0', 'j', 5, 0, 0, 0, '.'}));
        // POP with an empty stack inside a mark drops the mark, as CPython does
        assertEquals(4L, load(new byte[] {'K', 4, '(', '0', '.'}));
    }

    @Test
    void cyclicAndDeepValuesStayDescribable() throws PickleException {
        // l = []; l.append(l)
        PyList l = assertInstanceOf(PyList.class, load(new byte[] {']', 'q', 0, 'h', 0, 'a', '.'}));
        assertSame(l, l.items().getFirst());
        assertTrue(l.toString().length() < 100, l.toString());
        ByteBuffer deep = ByteBuffer.allocate(50_003);
        deep.put((byte) 'N');
        for (int i = 0; i < 50_000; i++) {
            deep.put((byte) 0x85);
        }
        deep.put((byte) '.');
        Object nested = load(deep.array());
        assertTrue(Py.describe(nested).length() < 100);
        // as a dictionary key it is refused instead of hashed recursively
        ByteBuffer key = ByteBuffer.allocate(50_006);
        key.put((byte) '}').put((byte) 'N');
        for (int i = 0; i < 50_000; i++) {
            key.put((byte) 0x85);
        }
        key.put((byte) 'N').put((byte) 's').put((byte) '.');
        rejects(Arrays.copyOf(key.array(), key.position()), "nested deeper than " + Py.MAX_KEY_DEPTH);
        rejects(new byte[] {'}', ']', 'N', 's', '.'}, "unhashable dictionary key of type list");
    }

    @Test
    void hostilePickles() {
        rejects(new byte[] {}, "truncated", "without STOP");
        rejects(new byte[] {'.'}, "stack underflow");
        rejects(new byte[] {'K', 1}, "without STOP");
        rejects(new byte[] {(byte) 0xff, '.'}, "unknown opcode", "0xff");
        rejects(new byte[] {(byte) 0x80, 6, '.'}, "unsupported pickle protocol 6");
        rejects(new byte[] {'h', 3, '.'}, "memo index 3 was never stored");
        rejects(new byte[] {'X', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f, '.'}, "exceeds the");
        rejects(new byte[] {'T', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, '.'}, "negative");
        rejects(new byte[] {(byte) 0x8d, 1, 0, 0, 0, 0, 0, 0, (byte) 0x80, 'x', '.'}, "BINUNICODE8 length");
        rejects(new byte[] {(byte) 0x8b, 0, 0, 1, 0, '.'}, "LONG4 length 65536 exceeds");
        byte[] longInt = new byte[1 + 4 + 1025 + 1];
        longInt[0] = (byte) 0x8b;
        longInt[1] = 1;
        longInt[2] = 4;
        longInt[longInt.length - 1] = '.';
        rejects(longInt, "integer of 1025 bytes (at most " + Unpickler.MAX_INT_BYTES);
        rejects(new byte[] {(byte) 0x95, 100, 0, 0, 0, 0, 0, 0, 0, 'N', '.'}, "FRAME length 100 exceeds");
        rejects(new byte[] {(byte) 0x82, 1, '.'}, "extension registry");
        rejects(new byte[] {(byte) 0x97, '.'}, "out-of-band buffers");
        rejects(new byte[] {'t', '.'}, "no MARK");
        rejects(new byte[] {'K', 1, 'R', '.'}, "stack underflow");
        rejects(new byte[] {'N', 'N', 'R', '.'}, "REDUCE arguments must be a tuple");
        rejects(new byte[] {'K', 1, 'K', 2, (byte) 0x93, '.'}, "STACK_GLOBAL needs two strings");
        rejects(new byte[] {'N', 'K', 1, 'a', '.'}, "cannot append to a NoneType");
        rejects(new byte[] {'}', '(', 'K', 1, 'u', '.'}, "odd number");
        rejects("(".repeat(Unpickler.MAX_MARK_DEPTH + 1).getBytes(StandardCharsets.US_ASCII), "nested deeper");
        byte[] many = new byte[Unpickler.MAX_VALUES + 2];
        Arrays.fill(many, (byte) 'N');
        many[many.length - 1] = '.';
        rejects(many, "more than " + Unpickler.MAX_VALUES + " values");
    }

    /** Every prefix of a real pickle fails with a PickleException, never anything else. */
    @Test
    void everyTruncationIsAPickleException() {
        for (String hex : PYTHON_PICKLES) {
            byte[] full = HexFormat.of().parseHex(hex);
            for (int n = 0; n < full.length; n++) {
                byte[] cut = Arrays.copyOf(full, n);
                assertThrows(PickleException.class, () -> load(cut), "prefix of " + n + " bytes");
            }
        }
    }

    /** Single-byte corruptions of a real pickle: a value or a PickleException, nothing else. */
    @Test
    void corruptionsFailCleanly() {
        byte[] full = HexFormat.of().parseHex(PYTHON_PICKLES[2]);
        List<String> unexpected = new ArrayList<>();
        for (int i = 0; i < full.length; i++) {
            for (int value : new int[] {0, 0x7f, 0x80, 0xff, full[i] + 1}) {
                byte[] b = full.clone();
                b[i] = (byte) value;
                try {
                    load(b);
                } catch (PickleException e) {
                    // expected for most corruptions
                } catch (RuntimeException e) {
                    unexpected.add(i + "=" + value + ": " + e);
                }
            }
        }
        assertEquals(List.of(), unexpected);
    }

    @Test
    void loadReportsWhereThePickleEnded() throws PickleException {
        byte[] two = {'K', 1, '.', 'K', 2, '.'};
        Unpickler.Result first = Unpickler.load(MemorySegment.ofArray(two), 0, two.length, RESOLVER);
        assertEquals(3, first.end());
        assertEquals(2L, Unpickler.load(MemorySegment.ofArray(two), first.end(), two.length, RESOLVER).value());
    }
}
