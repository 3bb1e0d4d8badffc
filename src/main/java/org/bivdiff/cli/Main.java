package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.bivdiff.graph.EngineException;
import org.bivdiff.io.IoErrors;
import org.bivdiff.models.WeightsException;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code bivdiff COMMAND [OPTIONS]}: parses the whole command line (picocli) before any command runs, prints
 * {@code --help}, and maps what a command throws to a message and an exit code.
 */
public final class Main {

    private Main() {
    }

    /** The command tree: {@code bivdiff} and its subcommands, in the order {@code bivdiff --help} lists them. */
    @Command(name = "bivdiff", sortOptions = false,
            description = "BIVDiff video synthesis: image models made temporally consistent by a video model.",
            footer = {"", "Run bivdiff COMMAND --help for a command's options.%n"},
            subcommands = {RunCommand.class, ImageCommand.class, DemoCommand.class, AnnotateCommand.class,
                    ModelsCommand.class, EvalCommand.class, AblateCommand.class, ConvertCommand.class,
                    ConformanceCommand.class, BenchCommand.class, Main.Completion.class, Main.Help.class})
    static final class Root {
        @Mixin
        CommonOptions common;
    }

    /** {@code bivdiff completion}: the bash (and zsh) completion script. */
    @Command(name = "completion", sortOptions = false,
            description = {"print a bash completion script for bivdiff (zsh too, after bashcompinit)",
                    "use: source <(bin/bivdiff completion)"})
    static final class Completion implements CliCommand {
        @Mixin
        CommonOptions common;
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public int call(PrintStream out, PrintStream err) {
            out.print(AutoComplete.bash("bivdiff", spec.root().commandLine()));
            return 0;
        }
    }

    /** {@code bivdiff help [COMMAND]}: the list of commands, or one command's help. */
    @Command(name = "help", description = "show the commands, or with COMMAND that command's help")
    static final class Help implements CliCommand {
        @Mixin
        CommonOptions common;
        @Parameters(arity = "0..1", paramLabel = "COMMAND")
        String command;
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public int call(PrintStream out, PrintStream err) throws UsageException {
            CommandLine root = spec.root().commandLine();
            if (command == null) {
                usage(root, out);
                return 0;
            }
            CommandLine sub = root.getSubcommands().get(command);
            if (sub == null) {
                throw new UsageException("unknown command '" + command + "'");
            }
            usage(sub, out);
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The parser of the whole command line. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Root());
        cl.setExpandAtFiles(false);                 // a prompt may start with @
        cl.setUnmatchedOptionsArePositionalParams(false);
        cl.setOverwrittenOptionsAllowed(false);
        abbreviateSynopses(cl);
        return cl;
    }

    /** {@code command} with {@code words} parsed into it as the command line would be, for tests and callers. */
    static <T> T parse(T command, List<String> words) throws UsageException {
        CommandLine cl = new CommandLine(command);
        cl.setExpandAtFiles(false);
        try {
            cl.parseArgs(words.toArray(String[]::new));
        } catch (ParameterException e) {
            throw new UsageException(e.getMessage());
        }
        return command;
    }

    /** {@code Usage: bivdiff image [OPTIONS]}: the option list follows under its headings. */
    private static void abbreviateSynopses(CommandLine cl) {
        cl.getCommandSpec().usageMessage().abbreviateSynopsis(true);
        cl.getSubcommands().values().forEach(Main::abbreviateSynopses);
    }

    /** Runs a command and returns its exit code (0 ok, 1 failure, 2 bad usage, 130 interrupted). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean debug = Arrays.asList(args).contains("--debug");
        CommandLine cl = commandLine();
        ParseResult parsed;
        try {
            parsed = cl.parseArgs(args);
        } catch (ParameterException e) {
            if (e.getCommandLine() == cl && e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                    && !u.getUnmatched().getFirst().startsWith("-")) {
                err.println("bivdiff: unknown command '" + u.getUnmatched().getFirst() + "'");
                usage(cl, err);
                return 2;
            }
            String name = e.getCommandLine().getCommandSpec().qualifiedName(" ");
            String message = e.getMessage();
            if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
                String first = u.getUnmatched().getFirst();
                message = first.startsWith("-") ? "unknown option " + first : "unexpected argument '" + first + "'";
            }
            err.println(name + ": " + message);
            err.println("(" + name + " --help lists the options)");
            return 2;
        }
        ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        CommandLine at = leaf.commandSpec().commandLine();
        if (leaf.isUsageHelpRequested()) {
            usage(at, out);
            return 0;
        }
        if (!(leaf.commandSpec().userObject() instanceof CliCommand command)) {
            usage(at, err);                          // bivdiff alone, or bivdiff models alone
            return 2;
        }
        String name = parsed.subcommand().commandSpec().name();
        try {
            return command.call(out, err);
        } catch (UsageException e) {
            return fail(err, name, e.getMessage(), e, debug, 2);
        } catch (CancellationException e) {
            return fail(err, name, "interrupted (" + e.getMessage() + ")", e, debug, 130);
        } catch (OutOfMemoryError e) {
            return fail(err, name, "out of memory (" + e.getMessage() + "); give Java more with BIVDIFF_JAVA_OPTS="
                    + "-Xmx..., or make the run smaller: --max-batch 1, a smaller width and height, fewer frames", e,
                    debug, 1);
        } catch (Exception e) {
            boolean userError = e instanceof IOException || e instanceof UncheckedIOException
                    || e instanceof IllegalArgumentException || e instanceof WeightsException
                    || e instanceof EngineException;
            String message = message(e) + (userError || debug ? ""
                    : "\n(an internal error: run again with --debug for the stack trace, and please report it)");
            return fail(err, name, message, e, debug, 1);
        }
    }

    /** Prints {@code command}'s help to {@code out}. */
    static void usage(CommandLine command, PrintStream out) {
        PrintWriter w = new PrintWriter(out, true);
        command.usage(w, CommandLine.Help.Ansi.OFF);
        w.flush();
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
