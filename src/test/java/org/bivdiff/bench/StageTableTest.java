package org.bivdiff.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class StageTableTest {

    private static long[] span(long start, long end) {
        return new long[] {start, end};
    }

    @Test
    void loadsBesideEachOtherAreWaitedForOnce() {
        assertEquals(30, StageTable.waited(List.of(span(0, 20), span(10, 30)), List.of(), 0, 100));
    }

    @Test
    void aLoadBesideARunningNetworkIsNotWaitedFor() {
        // loading 0-50, a network runs 20-40 and 45-60: waited 0-20 and 40-45
        assertEquals(25, StageTable.waited(List.of(span(0, 50)), List.of(span(20, 40), span(45, 60)), 0, 100));
    }

    @Test
    void onlyTheStagesOwnWallTimeCounts() {
        // a load made during an earlier stage (before 100) is waited for only from 100 on
        assertEquals(10, StageTable.waited(List.of(span(50, 110)), List.of(), 100, 200));
        assertEquals(0, StageTable.waited(List.of(span(50, 90)), List.of(), 100, 200));
    }
}
