package org.bivdiff.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** {@code bivdiff COMMAND [OPTIONS]}: dispatches to the commands. */
public final class Main {

    static final String USAGE = """
            usage: bivdiff COMMAND [OPTIONS]

            commands:
              conformance [--fixtures DIR] [--case NAME ...] [--provider cpu|cuda] [--threads N]
                    run the golden conformance cases; one line per case, then a count; exits 1 on any FAIL
              bench [--preset NAME ...] [--json FILE] [--threads N] [--runs N] [--warmup N] [--cache DIR]
                    [--probe-size N] [--prepacking on|off] [--profile PREFIX] [--precision auto|fp32|fp16]
                    [--weights f32|f16]
                    time each network on full-size random-weight models (or --preset tiny): load time,
                    median run, FLOPs, GFLOP/s, fraction of the measured fp32 peak, resident memory
            """ + DemoCommand.USAGE + RunCommand.USAGE + ImageCommand.USAGE + AnnotateCommand.USAGE
            + ModelsCommand.USAGE + """
              help  show this text

            every command that runs networks also takes --provider cpu|cuda, --threads N,
            --precision auto|fp32|fp16 (auto: fp16 on CUDA, fp32 on the CPU, where fp16 is correct but about
            100x slower; conformance is always fp32) and
            --session-cache DIR (or $BIVDIFF_SESSION_CACHE): optimised graphs kept on disk, so that later runs
            start in about a second per large model instead of ten (the cache holds a copy of the weights)
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns its exit code (0 ok, 1 failure, 2 bad usage). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            return switch (args[0]) {
                case "conformance" -> ConformanceCommand.run(Args.parse(rest), out);
                case "image" -> ImageCommand.run(Args.parse(rest), out);
                case "run" -> RunCommand.run(rest, out);
                case "annotate" -> AnnotateCommand.run(rest, out, ProgressBar.stderr());
                case "demo" -> DemoCommand.run(Args.parse(rest), out);
                case "bench" -> BenchCommand.run(Args.parse(rest), out, err);
                case "models" -> ModelsCommand.run(rest, out);
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> {
                    err.println("bivdiff: unknown command '" + args[0] + "'");
                    err.print(USAGE);
                    yield 2;
                }
            };
        } catch (UsageException e) {
            err.println("bivdiff " + args[0] + ": " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("bivdiff " + args[0] + ": " + e.getMessage());
            return 1;
        }
    }
}
