package org.bivdiff.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;

import org.bivdiff.io.DType;
import org.junit.jupiter.api.Test;

/** Views of a weight: rows where they lie in the file, and reshapes of the same bytes. */
class ExternalTensorTest {

    private static final Path FILE = Path.of("weights.safetensors");

    @Test
    void rowsOfAFileWeightPointAtTheirBytes() {
        // (4, 3) float32 at byte 100: 12 bytes a row
        ExternalTensor w = new ExternalTensor("ff.proj.weight", FILE, 100, 48, DType.F32, new long[] {4, 3});
        ExternalTensor gate = w.rows(2, 4);
        assertEquals("ff.proj.weight[2:4]", gate.key());
        assertEquals(124, gate.offset());
        assertEquals(24, gate.length());
        assertArrayEquals(new long[] {2, 3}, gate.shape());
        assertEquals(w.file(), gate.file());
    }

    @Test
    void rowsOfAnInlineWeightAreCopied() {
        byte[] data = {0, 1, 2, 3, 4, 5, 6, 7};                                      // (4,) float16: 2 bytes a row
        ExternalTensor part = ExternalTensor.inline("b", DType.F16, new long[] {4}, data).rows(1, 3);
        assertArrayEquals(new byte[] {2, 3, 4, 5}, part.data());
        assertArrayEquals(new long[] {2}, part.shape());
    }

    @Test
    void badViewsAreRefused() {
        ExternalTensor w = new ExternalTensor("w", FILE, 0, 48, DType.F32, new long[] {4, 3});
        assertThrows(IllegalArgumentException.class, () -> w.rows(3, 5));
        assertThrows(IllegalArgumentException.class, () -> w.rows(2, 2));
    }
}
