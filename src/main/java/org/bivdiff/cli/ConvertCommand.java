package org.bivdiff.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import org.bivdiff.io.SafeTensorsConverter;
import org.bivdiff.pipelines.ProgressListener;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bivdiff convert FOLDER [--out DIR]}: a safetensors copy of PyTorch checkpoints (see
 * {@link SafeTensorsConverter}), read without executing their pickles.
 */
@Command(name = "convert", sortOptions = false, description = {
        "write safetensors copies of the PyTorch checkpoints (.bin .pth .pt .ckpt, sharded indexes) of a model folder "
                + "tree, read without executing their pickles"})
final class ConvertCommand implements CliCommand {

    @Parameters(index = "0", arity = "0..1", paramLabel = "FOLDER|FILE", description = "what to convert")
    Path source;

    @Option(names = "--out", paramLabel = "DIR", order = 1,
            description = "write into DIR with every other file copied (default: next to the pickles)")
    String dir;

    @Mixin
    CommonOptions common;

    /** A progress bar per converted file, its clock restarting with each file. */
    private static final class FileProgress implements SafeTensorsConverter.Progress {
        private final ProgressBar bar = ProgressBar.stderr();
        private Path file;
        private Instant started;

        @Override
        public void tensorWritten(Path target, int done, int total) {
            if (!target.equals(file)) {
                file = target;
                started = Instant.now();
            }
            bar.onStep(new ProgressListener.Progress(String.valueOf(target.getFileName()), done, total, Double.NaN,
                    Duration.between(started, Instant.now())));
        }
    }

    @Override
    public int call(PrintStream out, PrintStream err) throws Exception {
        if (source == null) {
            throw new UsageException("convert needs a folder or file: bivdiff convert FOLDER [--out DIR]");
        }
        Path target = dir != null ? Path.of(dir) : SafeTensorsConverter.inPlace(source);
        List<SafeTensorsConverter.Step> steps = SafeTensorsConverter.convert(source, target, new FileProgress());
        int converted = 0;
        for (SafeTensorsConverter.Step s : steps) {
            switch (s.action()) {
                case CONVERTED -> {
                    converted++;
                    out.printf(Locale.ROOT, "converted %s -> %s (%d tensors, %.1f MB)%n", s.source(), s.target(),
                            s.tensors(), s.bytes() / 1e6);
                }
                case INDEX_REWRITTEN -> out.println("index     " + s.source() + " -> " + s.target());
                case KEPT -> out.println("kept      " + s.target() + " (exists)");
                case COPIED -> { }
            }
        }
        long copied = steps.stream().filter(s -> s.action() == SafeTensorsConverter.Action.COPIED).count();
        out.println(converted + " checkpoint(s) converted" + (copied > 0 ? ", " + copied + " other file(s) copied" : "")
                + " into " + target);
        if (converted == 0 && steps.stream().noneMatch(s -> s.action() == SafeTensorsConverter.Action.KEPT)) {
            out.println("(no .bin, .pth, .pt or .ckpt file found under " + source + ")");
        }
        return 0;
    }
}
