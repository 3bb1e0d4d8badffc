package org.bivdiff.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.bivdiff.conformance.CaseResult;
import org.bivdiff.conformance.Conformance;
import org.bivdiff.conformance.Fixtures;
import org.bivdiff.graph.Engine;
import org.bivdiff.conformance.OutputSpec;
import org.bivdiff.graph.Precision;
import org.bivdiff.graph.Provider;
import org.bivdiff.io.DType;

/** {@code bivdiff conformance}: runs golden cases and prints one line per case and a count. */
final class ConformanceCommand {

    private ConformanceCommand() {
    }

    /**
     * Runs the cases. {@code --precision} picks the pass: float32 graphs against the golden (float32)
     * tolerances, the default whatever the provider ({@code auto} means fp32 here), or with {@code fp16}
     * float16 graphs against {@link OutputSpec#forHalfPrecision()}.
     */
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
        Engine engine = engine(EngineFlags.parse(args));
        String engineLine = describe(engine);              // on CUDA, fails here when the GPU cannot be used
        out.println("fixtures: " + root);
        out.println("engine: " + engineLine);
        int passed = 0;
        int failed = 0;
        int skipped = 0;
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

    /** The engine for {@code options}: float32 graphs unless fp16 is asked for explicitly. */
    static Engine engine(Engine.Options options) {
        return new Engine(options.withPrecision(options.precision() == Precision.FP16 ? Precision.FP16 : Precision.FP32));
    }

    private static String describe(Engine engine) {
        Engine.Options o = engine.options();
        String where = (o.provider() == Provider.CUDA ? "CUDA, " + engine.requireGpu().describe() : "CPU") + " ("
                + Engine.runtime() + ")";
        return where + (engine.computeType() == DType.F16
                ? "; float16 graphs, tolerances of the cases that run networks: atol x 2^13 (float16 rounds at 2^-11, "
                + "float32 at 2^-24), rtol and exact outputs as given"
                : "; float32 graphs, the golden float32 tolerances");
    }
}
