package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.bivdiff.graph.EngineException;
import org.bivdiff.io.IoErrors;
import org.bivdiff.models.WeightsException;

/** {@code bivdiff COMMAND [OPTIONS]}: dispatches to the commands. */
public final class Main {

    static final String USAGE = """
            usage: bivdiff COMMAND [OPTIONS]

            commands:
              conformance [--fixtures DIR] [--case NAME ...] [--provider cpu|cuda] [--threads N] [--precision fp16]
                    run the golden conformance cases; one line per case, then a count; exits 1 on any FAIL;
                    float32 graphs against the golden tolerances, or with --precision fp16 float16 graphs against
                    them x 2^13 (float16's rounding against float32's)
            """ + BenchCommand.USAGE + DemoCommand.USAGE + RunCommand.USAGE + ImageCommand.USAGE + AnnotateCommand.USAGE
            + ModelsCommand.USAGE + EvalCommand.USAGE + AblateCommand.USAGE + ConvertCommand.USAGE + """
              help  show this text

            every command takes --debug: on an error, the stack trace as well as the message

            every command that runs networks also takes --provider cpu|cuda, --threads N,
            --precision auto|fp32|fp16 (auto: fp16 on CUDA, fp32 on the CPU, where fp16 is correct but about
            100x slower; conformance takes auto as fp32), --cuda-options KEY=VALUE,... (ONNX Runtime's CUDA
            provider settings: device_id, gpu_mem_limit, arena_extend_strategy, cudnn_conv_algo_search,
            cudnn_conv_use_max_workspace, do_copy_in_default_stream, use_tf32) and
            --session-cache DIR (or $BIVDIFF_SESSION_CACHE): optimised graphs kept on disk, so that later runs
            start in about a second per large model instead of ten (the cache holds a copy of the weights)
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns its exit code (0 ok, 1 failure, 2 bad usage, 130 interrupted). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> words = new ArrayList<>(Arrays.asList(args));
        boolean debug = words.remove("--debug");
        if (words.isEmpty()) {
            err.print(USAGE);
            return 2;
        }
        String command = words.getFirst();
        List<String> rest = words.subList(1, words.size());
        try {
            return switch (command) {
                case "conformance" -> ConformanceCommand.run(Args.parse(rest), out);
                case "image" -> ImageCommand.run(Args.parse(rest), out, err);
                case "run" -> RunCommand.run(rest, out);
                case "annotate" -> AnnotateCommand.run(rest, out, ProgressBar.stderr());
                case "demo" -> DemoCommand.run(Args.parse(rest), out);
                case "bench" -> BenchCommand.run(Args.parse(rest), out, err);
                case "models" -> ModelsCommand.run(rest, out);
                case "eval" -> EvalCommand.run(rest, out, ProgressBar.stderr());
                case "ablate" -> AblateCommand.run(rest, out, ProgressBar.stderr());
                case "convert" -> ConvertCommand.run(rest, out);
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> {
                    err.println("bivdiff: unknown command '" + command + "'");
                    err.print(USAGE);
                    yield 2;
                }
            };
        } catch (UsageException e) {
            return fail(err, command, e.getMessage(), e, debug, 2);
        } catch (CancellationException e) {
            return fail(err, command, "interrupted (" + e.getMessage() + ")", e, debug, 130);
        } catch (OutOfMemoryError e) {
            return fail(err, command, "out of memory (" + e.getMessage() + "); give Java more with BIVDIFF_JAVA_OPTS="
                    + "-Xmx..., or make the run smaller: --max-batch 1, a smaller width and height, fewer frames", e,
                    debug, 1);
        } catch (Exception e) {
            boolean userError = e instanceof IOException || e instanceof UncheckedIOException
                    || e instanceof IllegalArgumentException || e instanceof WeightsException
                    || e instanceof EngineException;
            String message = message(e) + (userError || debug ? ""
                    : "\n(an internal error: run again with --debug for the stack trace, and please report it)");
            return fail(err, command, message, e, debug, 1);
        }
    }

    /** What went wrong, for a user: path and reason for I/O failures, else the message, else the exception's kind. */
    static String message(Throwable e) {
        if (e instanceof UncheckedIOException u) {
            return IoErrors.describe(u.getCause());
        }
        if (e instanceof IOException io) {
            return IoErrors.describe(io);
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** Prints the message, and with {@code --debug} the stack trace; returns {@code code}. */
    private static int fail(PrintStream err, String command, String message, Throwable e, boolean debug, int code) {
        err.println("bivdiff " + command + ": " + message);
        if (debug) {
            e.printStackTrace(err);
        }
        return code;
    }
}
