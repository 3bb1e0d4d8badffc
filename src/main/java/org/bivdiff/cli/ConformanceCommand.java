package org.bivdiff.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.bivdiff.conformance.CaseResult;
import org.bivdiff.conformance.Conformance;
import org.bivdiff.conformance.Fixtures;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Precision;

/** {@code bivdiff conformance}: runs golden cases and prints one line per case and a count. */
final class ConformanceCommand {

    private ConformanceCommand() {
    }

    static int run(Args args, PrintStream out) throws Exception {
        args.allow(EngineFlags.with(Set.of("fixtures", "case")));
        String fixtures = args.one("fixtures", null);
        Path root = fixtures == null ? Fixtures.root() : Path.of(fixtures).toAbsolutePath().normalize();
        List<String> available = Conformance.cases(root);
        List<String> names = args.all("case").isEmpty() ? available : args.all("case");
        for (String n : names) {
            if (!available.contains(n)) {
                throw new UsageException("no case '" + n + "' in " + root + " (cases: " + String.join(", ", available) + ")");
            }
        }
        // The golden tolerances are float32 ones: the cases always compute in float32.
        Engine.Options options = EngineFlags.parse(args);
        if (options.precision() == Precision.FP16) {
            throw new UsageException("conformance computes in float32 (the golden tolerances are float32 ones); "
                    + "drop --precision fp16");
        }
        Engine engine = new Engine(options.withPrecision(Precision.FP32));
        int passed = 0;
        int failed = 0;
        int skipped = 0;
        out.println("fixtures: " + root);
        for (String name : names) {
            CaseResult r = Conformance.run(root, name, engine);
            out.println(r.line());
            out.flush();
            switch (r.status()) {
                case PASS -> passed++;
                case FAIL -> failed++;
                case SKIP -> skipped++;
            }
        }
        out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
        return failed == 0 ? 0 : 1;
    }
}
