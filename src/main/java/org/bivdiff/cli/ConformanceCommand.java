package org.bivdiff.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.conformance.CaseResult;
import org.bivdiff.conformance.Conformance;
import org.bivdiff.conformance.Fixtures;
import org.bivdiff.conformance.OutputSpec;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Precision;
import org.bivdiff.graph.Provider;
import org.bivdiff.io.DType;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bivdiff conformance}: runs golden cases and prints one line per case and a count. */
@Command(name = "conformance", sortOptions = false, description = {
        "run the golden conformance cases; one line per case, then a count; exits 1 on any FAIL; float32 graphs "
                + "against the golden tolerances, or with --precision fp16 float16 graphs against them x 2^13 "
                + "(float16's rounding against float32's)"})
final class ConformanceCommand implements CliCommand {

    @Option(names = "--fixtures", paramLabel = "DIR", order = 1,
            description = "the fixture set (default: $BIVDIFF_FIXTURES, else the repository's)")
    String fixtures;

    @Option(names = "--case", paramLabel = "NAME", arity = "1..*", order = 2,
            description = "the cases to run (default: all)")
    List<String> cases = new ArrayList<>();

    @ArgGroup(validate = false, heading = "%nEngine (--precision auto means fp32 here):%n", order = 100)
    EngineFlags engine = new EngineFlags();

    @Mixin
    CommonOptions common;

    /**
     * Runs the cases. {@code --precision} picks the pass: float32 graphs against the golden (float32)
     * tolerances, the default whatever the provider ({@code auto} means fp32 here), or with {@code fp16}
     * float16 graphs against {@link OutputSpec#forHalfPrecision()}.
     */
    @Override
    public int call(PrintStream out, PrintStream err) throws Exception {
        Path root = fixtures == null ? Fixtures.root() : Path.of(fixtures).toAbsolutePath().normalize();
        List<String> available = Conformance.cases(root);
        List<String> names = cases.isEmpty() ? available : cases;
        for (String n : names) {
            if (!available.contains(n)) {
                throw new UsageException("no case '" + n + "' in " + root + " (cases: " + String.join(", ", available) + ")");
            }
        }
        Engine engine = engine(this.engine.options());
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
