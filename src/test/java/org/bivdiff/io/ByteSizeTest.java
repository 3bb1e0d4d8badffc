package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ByteSizeTest {

    @Test
    void parsesDecimalAndBinaryUnits() {
        assertEquals(40_000_000_000L, ByteSize.parse("40GB"));
        assertEquals(40_000_000_000L, ByteSize.parse(" 40 g "));
        assertEquals(1_500_000_000_000L, ByteSize.parse("1.5T"));
        assertEquals(500_000_000L, ByteSize.parse("500MB"));
        assertEquals(3L << 30, ByteSize.parse("3GiB"));
        assertEquals(2048, ByteSize.parse("2kib"));
        assertEquals(1024, ByteSize.parse("1024"));
        assertEquals(7, ByteSize.parse("7B"));
    }

    @Test
    void readsBackWhatItFormats() {
        assertEquals(4_270_000_000L, ByteSize.parse(ByteSize.format(4_271_234_567L)));
    }

    @Test
    void rejectsWhatIsNotASize() {
        for (String s : new String[] {"", "GB", "-1GB", "1.GB", "1 PB", "forty"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(s), s);
            assertEquals("'" + s + "' is not a size (e.g. 40GB, 500MB, 2GiB)", e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("99999999999TB"));
    }
}
