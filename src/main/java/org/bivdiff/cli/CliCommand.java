package org.bivdiff.cli;

import java.io.PrintStream;

/**
 * A subcommand: picocli fills its option fields, every one checked before this runs; {@link Main} maps what it
 * throws to a message and an exit code.
 */
interface CliCommand {

    /** Runs the command; returns its exit code. */
    int call(PrintStream out, PrintStream err) throws Exception;
}
