package org.bivdiff.cli;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.bivdiff.graph.CudaOptions;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Precision;
import org.bivdiff.graph.Provider;

/**
 * The engine options every command takes: {@code --provider cpu|cuda}, {@code --threads N} (0 = one
 * per core), {@code --precision auto|fp32|fp16} (auto: fp16 on CUDA, fp32 on the CPU),
 * {@code --session-cache DIR} (default {@code $BIVDIFF_SESSION_CACHE}; unset = none), which keeps
 * optimised graphs so later runs start in a second instead of ten per large model, and
 * {@code --cuda-options KEY=VALUE,...}: the CUDA provider's settings in ONNX Runtime's spelling
 * ({@link CudaOptions}).
 */
final class EngineFlags {

    static final Set<String> NAMES = Set.of("provider", "threads", "precision", "session-cache", "cuda-options");
    static final String USAGE = "--provider cpu|cuda   --threads N   --precision auto|fp32|fp16   --session-cache DIR"
            + "   --cuda-options KEY=VALUE,...";

    private EngineFlags() {
    }

    /** {@code names} plus the engine flags. */
    static Set<String> with(Set<String> names) {
        Set<String> all = new HashSet<>(names);
        all.addAll(NAMES);
        return all;
    }

    static Engine.Options parse(Args args) throws UsageException {
        Engine.Options o;
        try {
            o = Engine.Options.defaults().withProvider(Provider.parse(args.one("provider", "cpu")))
                    .withThreads(args.integer("threads", 0))
                    .withPrecision(Precision.parse(args.one("precision", "auto")))
                    .withCuda(CudaOptions.defaults().parse(String.join(",", args.all("cuda-options"))));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String cache = args.one("session-cache", System.getenv("BIVDIFF_SESSION_CACHE"));
        return cache == null || cache.isBlank() ? o : o.withSessionCache(Path.of(cache).toAbsolutePath());
    }
}
