package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@code bivdiff COMMAND --help} for every command, the command list, completion and usage errors. */
class HelpTest {

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome run(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Every command and subcommand of the tree, as words. */
    private static List<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        Main.commandLine().getSubcommands().forEach((name, sub) -> {
            all.add(List.of(name));
            sub.getSubcommands().keySet().forEach(s -> all.add(List.of(name, s)));
        });
        return all;
    }

    @Test
    void everyCommandHasHelpThatNamesItsOptions() {
        List<List<String>> commands = commands();
        assertTrue(commands.size() >= 14, commands.toString());
        for (List<String> words : commands) {
            List<String> args = new ArrayList<>(words);
            args.add("--help");
            Outcome o = run(args.toArray(String[]::new));
            assertEquals(0, o.code(), words + ": " + o.err());
            assertTrue(o.out().startsWith("Usage: bivdiff " + String.join(" ", words)), o.out());
            assertTrue(o.out().contains("--help"), o.out());
            assertEquals("", o.err(), words.toString());
        }
    }

    @Test
    void helpListsEveryCommandInAFixedOrder() {
        Outcome o = run("--help");
        assertEquals(0, o.code());
        List<String> names = List.of("run", "image", "demo", "annotate", "models", "eval", "ablate", "convert",
                "conformance", "bench", "completion", "help");
        int at = -1;
        for (String n : names) {
            int i = o.out().indexOf("\n  " + n + " ");
            assertTrue(i > at, n + " after the one before it in:\n" + o.out());
            at = i;
        }
        assertEquals(o.out(), run("help").out());
        assertTrue(run("help", "image").out().startsWith("Usage: bivdiff image"));
    }

    @Test
    void optionsAreGroupedUnderHeadingsInDeclarationOrder() {
        String image = run("image", "--help").out();
        int task = image.indexOf("Task and models:");
        int inputs = image.indexOf("Inputs and output:");
        int sampling = image.indexOf("Sampling:");
        int engine = image.indexOf("Engine:");
        assertTrue(task > 0 && task < inputs && inputs < sampling && sampling < engine, image);
        assertTrue(image.indexOf("--steps") < image.indexOf("--guidance"), image);
        assertTrue(image.contains("horizontal, as a run config's mask_type") && image.contains("default: refine"), image);
        assertTrue(image.contains("multiple of 32"), image);
        assertTrue(run("run", "--help").out().contains("multiple of 32"));
    }

    @Test
    void completionPrintsABashScriptKnowingTheCommandsAndOptions() {
        Outcome o = run("completion");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().startsWith("#!/usr/bin/env bash"), o.out().substring(0, 80));
        assertTrue(o.out().contains("complete -F _complete_bivdiff") || o.out().contains("_complete_bivdiff"));
        for (String word : List.of("ablate", "annotate", "--edited-prompt", "--session-cache", "--preset")) {
            assertTrue(o.out().contains(word), word);
        }
    }

    @Test
    void usageErrorsExitWith2AndPointToHelp() {
        Outcome none = run();
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("Usage: bivdiff"), none.err());

        Outcome unknown = run("frobnicate");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().startsWith("bivdiff: unknown command 'frobnicate'"), unknown.err());

        Outcome option = run("demo", "--colour", "red");
        assertEquals(2, option.code());
        assertTrue(option.err().startsWith("bivdiff demo: unknown option --colour\n"), option.err());
        assertTrue(option.err().contains("bivdiff demo --help"), option.err());

        Outcome number = run("demo", "--steps", "ten");
        assertEquals(2, number.code());
        assertTrue(number.err().contains("'ten' is not an int"), number.err());

        Outcome models = run("models");
        assertEquals(2, models.code());
        assertTrue(models.err().contains("pull") && models.err().contains("list"), models.err());
    }
}
