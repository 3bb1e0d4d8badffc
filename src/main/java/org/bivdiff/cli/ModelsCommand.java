package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.bivdiff.io.ByteSize;
import org.bivdiff.io.hub.CacheListing;
import org.bivdiff.io.hub.FileSelection;
import org.bivdiff.io.hub.Glob;
import org.bivdiff.io.hub.HubCache;
import org.bivdiff.io.hub.HubSettings;
import org.bivdiff.io.hub.ModelId;
import org.bivdiff.io.hub.ModelLocator;
import org.bivdiff.io.hub.SnapshotDownload;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParseResult;

/**
 * {@code bivdiff models pull|list}: models from the Hugging Face Hub, in the cache Python tools use
 * too. A pulled model is then named by its id wherever a model folder is accepted.
 */
@Command(name = "models", sortOptions = false,
        subcommands = {ModelsCommand.Pull.class, ModelsCommand.ListCache.class},
        description = {"models from the Hugging Face Hub, in its cache ($HF_HUB_CACHE, else $HF_HOME/hub, else "
                + "~/.cache/huggingface/hub), shared with Python tools; a pulled model is then named by its id wherever "
                + "a model folder is accepted (--models, models.*, --checkpoints hub)"})
final class ModelsCommand {

    @Mixin
    CommonOptions common;

    /** The Hub and the cache; the environment's unless a test sets them. */
    private static abstract class HubCommand implements CliCommand {
        @Option(names = "--cache", paramLabel = "DIR", order = 50,
                description = "the Hugging Face cache (default: $HF_HUB_CACHE, else $HF_HOME/hub, else "
                        + "~/.cache/huggingface/hub)")
        String cache;

        @Mixin
        CommonOptions common;

        HubSettings settings;
        ProgressBar progress;

        HubSettings settings() throws IOException {
            HubSettings s = settings != null ? settings : HubSettings.fromEnvironment();
            return cache == null ? s : s.withCache(Path.of(cache));
        }
    }

    @Command(name = "pull", sortOptions = false, description = {
            "download a model from the Hugging Face Hub into its cache; by default what a diffusers pipeline needs "
                    + "(configs, tokenizer, safetensors weights, else .bin); HF_TOKEN (or `hf auth login`) for gated "
                    + "models, HF_ENDPOINT for a mirror, HF_HUB_OFFLINE=1 for no requests at all"})
    static final class Pull extends HubCommand {
        @Parameters(index = "0", paramLabel = "REPO[@REVISION][/SUBFOLDER]", arity = "0..1",
                description = "the model id")
        String id;

        @Option(names = "--include", paramLabel = "GLOB", arity = "1..*", order = 1,
                description = "the files to download instead of the default selection")
        List<String> include = new ArrayList<>();

        @Option(names = "--variant", paramLabel = "fp16", order = 2, description = "a weight variant")
        String variant;

        @Override
        public int call(PrintStream out, PrintStream err) throws Exception {
            if (id == null) {
                throw new UsageException("models pull needs a model id: bivdiff models pull ORG/NAME[@REVISION]");
            }
            ModelId model = ModelId.require(id);
            FileSelection selection = new FileSelection(include.stream().map(Glob::of).toList(),
                    Optional.ofNullable(variant));
            SnapshotDownload download = new SnapshotDownload(settings());
            SnapshotDownload.Result r = download.pull(model, selection,
                    (progress != null ? progress : ProgressBar.stderr()).downloads());
            out.printf(Locale.ROOT, "%s is commit %s: %d files, %s (%s downloaded%s)%n  in %s%n", model, r.commit(),
                    r.files().size(), ByteSize.format(r.bytes()), ByteSize.format(r.downloaded()),
                    r.offline() ? ", offline: from the cache" : "", r.folder());
            return 0;
        }
    }

    @Command(name = "list", sortOptions = false,
            description = "what the cache holds, per repository and revision, with sizes")
    static final class ListCache extends HubCommand {
        @Override
        public int call(PrintStream out, PrintStream err) throws IOException {
            HubCache cache = new HubCache(settings().cache());
            List<CacheListing.Repo> repos = CacheListing.scan(cache);
            if (repos.isEmpty()) {
                out.println("the cache " + cache.root() + " holds no models; download one with: bin/bivdiff models "
                        + "pull ORG/NAME");
                return 0;
            }
            long total = 0;
            for (CacheListing.Repo repo : repos) {
                total += repo.bytes();
                out.printf(Locale.ROOT, "%-60s %10s on disk%s%n", repo.repo(), ByteSize.format(repo.bytes()),
                        repo.unfinished() == 0 ? "" : " (+" + ByteSize.format(repo.unfinished())
                                + " of unfinished downloads: pull again to continue them)");
                for (CacheListing.Snapshot s : repo.snapshots()) {
                    String refs = s.refs().isEmpty() ? "(no branch)" : String.join(", ", s.refs());
                    out.printf(Locale.ROOT, "  %-20s %s  %4d files  %10s%n", refs, s.commit(), s.files(),
                            ByteSize.format(s.bytes()));
                }
            }
            out.printf(Locale.ROOT, "%d repositories, %s in %s%n", repos.size(), ByteSize.format(total), cache.root());
            return 0;
        }
    }

    /** {@code words} after {@code models}, with the Hub and cache of {@code settings}. */
    static int run(List<String> words, PrintStream out, HubSettings settings, ProgressBar progress) throws Exception {
        CommandLine cl = new CommandLine(new ModelsCommand());
        ParseResult parsed;
        try {
            parsed = cl.parseArgs(words.toArray(String[]::new));
        } catch (ParameterException e) {
            throw new UsageException(e.getMessage());
        }
        if (!parsed.hasSubcommand() || !(parsed.subcommand().commandSpec().userObject() instanceof HubCommand c)) {
            throw new UsageException("models needs a subcommand: pull or list");
        }
        c.settings = settings;
        c.progress = progress;
        return c.call(out, System.err);
    }

    /**
     * Resolves model ids from the cache of this process's environment; with {@code download}, pulls the
     * ones it lacks, showing each file's progress on {@code progress}.
     */
    static ModelLocator locator(boolean download, ProgressBar progress) throws IOException {
        HubSettings settings = HubSettings.fromEnvironment();
        return download ? ModelLocator.downloading(new SnapshotDownload(settings), progress.downloads())
                : ModelLocator.cacheOnly(settings);
    }
}
