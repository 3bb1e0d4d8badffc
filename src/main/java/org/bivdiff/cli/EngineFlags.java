package org.bivdiff.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.bivdiff.graph.CudaOptions;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Precision;
import org.bivdiff.graph.Provider;
import org.bivdiff.graph.SessionCache;
import org.bivdiff.io.ByteSize;

import picocli.CommandLine.Option;

/**
 * The engine options of every command that runs networks, shown under their own heading: where and how ONNX
 * Runtime runs ({@link Engine.Options}).
 */
final class EngineFlags {

    @Option(names = "--provider", paramLabel = "cpu|cuda", defaultValue = "cpu", order = 100,
            description = "where the networks run (default: ${DEFAULT-VALUE})")
    String provider;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", order = 101,
            description = "ONNX Runtime's threads (default 0: one per core)")
    int threads;

    @Option(names = "--precision", paramLabel = "auto|fp32|fp16", defaultValue = "auto", order = 102,
            description = "auto: fp16 on CUDA, fp32 on the CPU, where fp16 is correct but about 100x slower "
                    + "(default: ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--cuda-options", paramLabel = "KEY=VALUE,...", split = ",", order = 103,
            description = "ONNX Runtime's CUDA provider settings: device_id, gpu_mem_limit, arena_extend_strategy, "
                    + "cudnn_conv_algo_search, cudnn_conv_use_max_workspace, do_copy_in_default_stream, use_tf32")
    List<String> cudaOptions = new ArrayList<>();

    @Option(names = "--session-cache", paramLabel = "DIR|off", order = 104,
            description = "optimised graphs kept on disk (default: $BIVDIFF_SESSION_CACHE; unset or off: none): "
                    + "later runs load a large model in a few seconds instead of 10-20, for a copy of its weights on "
                    + "disk; whole runs were no faster, their steps slower on weights mapped from the file (README)")
    String sessionCache;

    @Option(names = "--session-cache-budget", paramLabel = "SIZE", order = 105,
            description = "the most disk the session cache takes; the least recently used graphs make room, and a "
                    + "graph is only written while the disk keeps a tenth of itself free (default: 40GB)")
    String sessionCacheBudget;

    /** The options as the engine takes them; a bad value is a usage error. */
    Engine.Options options() throws UsageException {
        Engine.Options o;
        try {
            o = Engine.Options.defaults().withProvider(Provider.parse(provider))
                    .withThreads(threads)
                    .withPrecision(Precision.parse(precision))
                    .withCuda(CudaOptions.defaults().parse(cudaOptions()));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return o.withSessionCache(sessionCache(sessionCache, sessionCacheBudget, System.getenv()));
    }

    /**
     * The session cache of {@code --session-cache} (else {@code $BIVDIFF_SESSION_CACHE}) and {@code
     * --session-cache-budget}; null for none or {@code off}.
     */
    static SessionCache sessionCache(String folder, String budget, Map<String, String> env) throws UsageException {
        long bytes;
        try {
            bytes = budget == null ? SessionCache.DEFAULT_BUDGET : ByteSize.parse(budget);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--session-cache-budget: " + e.getMessage());
        }
        if (bytes <= 0) {
            throw new UsageException("--session-cache-budget must be more than 0 (for no cache: --session-cache off)");
        }
        String f = folder != null ? folder : env.get("BIVDIFF_SESSION_CACHE");
        if (f == null || f.isBlank() || f.strip().equalsIgnoreCase("off")) {
            return null;
        }
        return new SessionCache(Path.of(f).toAbsolutePath(), bytes);
    }

    /** {@code --cuda-options} as one comma-separated list. */
    String cudaOptions() {
        return String.join(",", cudaOptions);
    }
}
