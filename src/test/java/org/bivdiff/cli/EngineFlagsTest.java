package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.bivdiff.graph.SessionCache;
import org.junit.jupiter.api.Test;

/** Where the session cache is and how much disk it takes, from the flags and the environment. */
class EngineFlagsTest {

    @Test
    void theFlagWinsOverTheEnvironmentAndOffTurnsTheCacheOff() throws Exception {
        Map<String, String> env = Map.of("BIVDIFF_SESSION_CACHE", "/from/env");
        assertEquals(new SessionCache(Path.of("/from/flag"), SessionCache.DEFAULT_BUDGET),
                EngineFlags.sessionCache("/from/flag", null, env));
        assertEquals(Path.of("/from/env"), EngineFlags.sessionCache(null, null, env).root());
        assertNull(EngineFlags.sessionCache("off", null, env));
        assertNull(EngineFlags.sessionCache(null, null, Map.of("BIVDIFF_SESSION_CACHE", "OFF")));
    }

    @Test
    void theBudgetIsASize() throws Exception {
        assertEquals(12_500_000_000L, EngineFlags.sessionCache("/c", "12.5GB", Map.of()).budgetBytes());
        assertEquals(2L << 30, EngineFlags.sessionCache("/c", "2GiB", Map.of()).budgetBytes());
        UsageException bad = assertThrows(UsageException.class, () -> EngineFlags.sessionCache("/c", "lots", Map.of()));
        assertTrue(bad.getMessage().contains("--session-cache-budget") && bad.getMessage().contains("'lots'"),
                bad.getMessage());
        UsageException zero = assertThrows(UsageException.class, () -> EngineFlags.sessionCache("/c", "0", Map.of()));
        assertTrue(zero.getMessage().contains("--session-cache off"), zero.getMessage());
    }
}
