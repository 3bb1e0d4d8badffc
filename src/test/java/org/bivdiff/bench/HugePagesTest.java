package org.bivdiff.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HugePagesTest {

    @Test
    void madviseNeedsMallocToAsk() {
        HugePages asked = HugePages.of("always [madvise] never\n", "glibc.malloc.check=0:glibc.malloc.hugetlb=1");
        assertEquals("madvise", asked.kernelMode());
        assertTrue(asked.on());
        assertEquals("huge pages on (THP madvise, malloc asks)", asked.describe());

        HugePages unasked = HugePages.of("always [madvise] never\n", null);
        assertFalse(unasked.on());
        assertEquals("huge pages off (THP madvise, malloc does not ask: GLIBC_TUNABLES=glibc.malloc.hugetlb=1 is "
                + "unset)", unasked.describe());
        assertFalse(HugePages.of("always [madvise] never", "glibc.malloc.hugetlb=0").on());
    }

    @Test
    void alwaysAndNeverDoNotDependOnMalloc() {
        assertTrue(HugePages.of("[always] madvise never", null).on());
        assertFalse(HugePages.of("always madvise [never]", "glibc.malloc.hugetlb=1").on());
        assertEquals("unknown", HugePages.of("", "glibc.malloc.hugetlb=1").kernelMode());
        assertFalse(HugePages.of("", "glibc.malloc.hugetlb=1").on());
    }
}
