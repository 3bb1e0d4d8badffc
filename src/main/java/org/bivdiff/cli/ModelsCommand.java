package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.bivdiff.io.hub.ByteSize;
import org.bivdiff.io.hub.CacheListing;
import org.bivdiff.io.hub.FileSelection;
import org.bivdiff.io.hub.Glob;
import org.bivdiff.io.hub.HubCache;
import org.bivdiff.io.hub.HubSettings;
import org.bivdiff.io.hub.ModelId;
import org.bivdiff.io.hub.ModelLocator;
import org.bivdiff.io.hub.SnapshotDownload;

/**
 * {@code bivdiff models pull|list}: models from the Hugging Face Hub, in the cache Python tools use
 * too. A pulled model is then named by its id wherever a model folder is accepted.
 */
final class ModelsCommand {

    static final String USAGE = """
              models pull REPO[@REVISION][/SUBFOLDER] [--include GLOB ...] [--variant fp16] [--cache DIR]
                    download a model from the Hugging Face Hub into its cache ($HF_HUB_CACHE, else $HF_HOME/hub,
                    else ~/.cache/huggingface/hub), shared with Python tools; by default what a diffusers pipeline
                    needs (configs, tokenizer, safetensors weights, else .bin); then name it by its id wherever a
                    model folder is accepted (--models, models.*, --checkpoints hub); HF_TOKEN (or `hf auth login`)
                    for gated models, HF_ENDPOINT for a mirror, HF_HUB_OFFLINE=1 for no requests at all
              models list [--cache DIR]
                    what the cache holds, per repository and revision, with sizes
            """;

    private static final Set<String> PULL_OPTIONS = Set.of("include", "variant", "cache");

    private ModelsCommand() {
    }

    static int run(List<String> words, PrintStream out) throws Exception {
        return run(words, out, HubSettings.fromEnvironment(), ProgressBar.stderr());
    }

    /** {@code words} after {@code models}, with the Hub and cache of {@code settings}. */
    static int run(List<String> words, PrintStream out, HubSettings settings, ProgressBar progress) throws Exception {
        if (words.isEmpty()) {
            throw new UsageException("models needs a subcommand: pull or list");
        }
        return switch (words.getFirst()) {
            case "pull" -> pull(words.subList(1, words.size()), out, settings, progress);
            case "list" -> list(Args.parse(words.subList(1, words.size())).allow(Set.of("cache")), out, settings);
            default -> throw new UsageException("unknown models subcommand '" + words.getFirst() + "' (pull, list)");
        };
    }

    private static int pull(List<String> words, PrintStream out, HubSettings settings, ProgressBar progress)
            throws Exception {
        if (words.isEmpty() || words.getFirst().startsWith("--")) {
            throw new UsageException("models pull needs a model id: bivdiff models pull ORG/NAME[@REVISION]");
        }
        ModelId id = ModelId.require(words.getFirst());
        Args args = Args.parse(words.subList(1, words.size())).allow(PULL_OPTIONS);
        FileSelection selection = new FileSelection(args.all("include").stream().map(Glob::of).toList(),
                Optional.ofNullable(args.one("variant", null)));
        SnapshotDownload download = new SnapshotDownload(withCache(settings, args));
        SnapshotDownload.Result r = download.pull(id, selection, progress.downloads());
        out.printf(Locale.ROOT, "%s is commit %s: %d files, %s (%s downloaded%s)%n  in %s%n", id, r.commit(),
                r.files().size(), ByteSize.format(r.bytes()), ByteSize.format(r.downloaded()),
                r.offline() ? ", offline: from the cache" : "", r.folder());
        return 0;
    }

    private static int list(Args args, PrintStream out, HubSettings settings) throws IOException, UsageException {
        HubCache cache = new HubCache(withCache(settings, args).cache());
        List<CacheListing.Repo> repos = CacheListing.scan(cache);
        if (repos.isEmpty()) {
            out.println("the cache " + cache.root() + " holds no models; download one with: bin/bivdiff models pull "
                    + "ORG/NAME");
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

    /**
     * Resolves model ids from the cache of this process's environment; with {@code download}, pulls the
     * ones it lacks, showing each file's progress on {@code progress}.
     */
    static ModelLocator locator(boolean download, ProgressBar progress) throws IOException {
        HubSettings settings = HubSettings.fromEnvironment();
        return download ? ModelLocator.downloading(new SnapshotDownload(settings), progress.downloads())
                : ModelLocator.cacheOnly(settings);
    }

    private static HubSettings withCache(HubSettings settings, Args args) throws UsageException {
        String cache = args.one("cache", null);
        return cache == null ? settings : settings.withCache(Path.of(cache));
    }
}
