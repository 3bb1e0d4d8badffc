package org.bivdiff.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.CudaOptions;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Precision;
import org.bivdiff.graph.Provider;

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

    @Option(names = "--session-cache", paramLabel = "DIR", order = 104,
            description = "optimised graphs kept on disk (default: $BIVDIFF_SESSION_CACHE, unset: none), so that "
                    + "later runs start in about a second per large model instead of ten (the cache holds a copy of "
                    + "the weights)")
    String sessionCache;

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
        String cache = sessionCache != null ? sessionCache : System.getenv("BIVDIFF_SESSION_CACHE");
        return cache == null || cache.isBlank() ? o : o.withSessionCache(Path.of(cache).toAbsolutePath());
    }

    /** {@code --cuda-options} as one comma-separated list. */
    String cudaOptions() {
        return String.join(",", cudaOptions);
    }
}
