package org.bivdiff.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.bivdiff.graph.Engine;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every implemented golden case of the fixture set at {@code $BIVDIFF_FIXTURES} (default
 * {@code ../shared/fixtures}), one dynamic test per case, every output within its tolerance.
 * An implemented case missing from the fixture set fails: nothing is skipped.
 */
class ConformanceTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));

    @TestFactory
    Stream<DynamicTest> implementedCasesPass() {
        Path root = Fixtures.root();
        return Conformance.implemented().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            CaseResult r = Conformance.run(root, name, ENGINE);
            StringBuilder report = new StringBuilder(r.line());
            r.comparisons().forEach(c -> report.append("\n  ").append(c.passed() ? "ok   " : "FAIL ").append(c.describe()));
            assertEquals(CaseResult.Status.PASS, r.status(), report.toString());
        }));
    }

    @Test
    void everyImplementedCaseIsInTheFixtureSet() throws IOException {
        List<String> cases = Conformance.cases(Fixtures.root());
        for (String name : Conformance.implemented()) {
            assertTrue(cases.contains(name), "case " + name + " is missing from " + Fixtures.root());
        }
    }

    @Test
    void unknownCaseIsSkippedAsNotImplemented() {
        CaseResult r = Conformance.run(Fixtures.root(), "no_such_model_case", ENGINE);
        assertEquals(CaseResult.Status.SKIP, r.status());
        assertTrue(r.line().contains("not implemented"), r.line());
    }
}
