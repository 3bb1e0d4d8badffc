package org.bivdiff.cli;

import picocli.CommandLine.Option;

/** The options of every command: {@code --help} and {@code --debug}. */
final class CommonOptions {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    /** Read by {@link Main} from the raw words, so that it holds for errors in parsing too. */
    @Option(names = "--debug", description = "on an error, the stack trace as well as the message")
    boolean debug;
}
