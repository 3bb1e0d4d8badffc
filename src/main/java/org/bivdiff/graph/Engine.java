package org.bivdiff.graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;

import org.bivdiff.io.DType;

/**
 * Turns {@link Model}s into runnable {@link Network}s with one set of session options: graph
 * optimisation ALL, a fixed number of intra-op threads and an execution provider.
 */
public final class Engine {

    /**
     * Session settings.
     *
     * @param threads           intra-op threads; 0 lets ONNX Runtime choose (one per core)
     * @param provider          where to run
     * @param cuda              the CUDA provider's settings (GPU index, memory arena, cuDNN), for {@link Provider#CUDA}
     * @param disablePrepacking load weights lazily (fast start, less memory) at some GEMM speed
     * @param profilePrefix     when not null, ONNX Runtime writes a per-op JSON profile with this prefix
     * @param sessionCache      when not null, optimised graphs kept on disk so that later processes load them
     *                          without optimising again (about 1 s instead of 10 for the SD 1.5 UNet, at the
     *                          cost of a copy of the weights on disk, within its budget); CPU only
     * @param precision         the type the graphs compute in
     */
    public record Options(int threads, Provider provider, CudaOptions cuda, boolean disablePrepacking,
                          String profilePrefix, SessionCache sessionCache, Precision precision) {

        public Options {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0, got " + threads);
            }
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(cuda, "cuda");
            Objects.requireNonNull(precision, "precision");
        }

        /** CPU, one thread per core, prepacked weights, no profiling, {@link Precision#AUTO}. */
        public static Options defaults() {
            return new Options(0, Provider.CPU, CudaOptions.defaults(), false, null, null, Precision.AUTO);
        }

        public Options withProvider(Provider p) {
            return new Options(threads, p, cuda, disablePrepacking, profilePrefix, sessionCache, precision);
        }

        public Options withThreads(int n) {
            return new Options(n, provider, cuda, disablePrepacking, profilePrefix, sessionCache, precision);
        }

        public Options withPrepacking(boolean on) {
            return new Options(threads, provider, cuda, !on, profilePrefix, sessionCache, precision);
        }

        public Options withProfile(String prefix) {
            return new Options(threads, provider, cuda, disablePrepacking, prefix, sessionCache, precision);
        }

        /** Optimised graphs kept in {@code folder}, within {@link SessionCache#DEFAULT_BUDGET}. */
        public Options withSessionCache(Path folder) {
            return withSessionCache(new SessionCache(folder, SessionCache.DEFAULT_BUDGET));
        }

        /** Optimised graphs kept in {@code cache}, or none when it is null. */
        public Options withSessionCache(SessionCache cache) {
            return new Options(threads, provider, cuda, disablePrepacking, profilePrefix, cache, precision);
        }

        public Options withPrecision(Precision p) {
            return new Options(threads, provider, cuda, disablePrepacking, profilePrefix, sessionCache, p);
        }

        public Options withCuda(CudaOptions c) {
            return new Options(threads, provider, c, disablePrepacking, profilePrefix, sessionCache, precision);
        }
    }

    /**
     * Told of every session this engine creates and every run of one, with their start and end ({@link
     * System#nanoTime()}), from the thread that did the work; for measuring where a run's time goes.
     * Implementations must be thread-safe and quick.
     */
    public interface Observer {

        /** Ignores everything. */
        Observer NONE = new Observer() {
            @Override
            public void loaded(Network network, long startNanos, long endNanos) {
            }

            @Override
            public void ran(Network network, long startNanos, long endNanos) {
            }
        };

        /** {@code network}'s session was created. */
        void loaded(Network network, long startNanos, long endNanos);

        /** {@code network} ran once. */
        void ran(Network network, long startNanos, long endNanos);
    }

    private static final OrtEnvironment ENV = NativeRuntime.environment();

    private final Options options;
    private final Observer observer;

    public Engine(Options options) {
        this(options, Observer.NONE);
    }

    private Engine(Options options, Observer observer) {
        this.options = options;
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    /** This engine with {@code o} told of its sessions and runs, after the observers this engine has. */
    public Engine observed(Observer o) {
        Objects.requireNonNull(o, "observer");
        if (observer == Observer.NONE) {
            return new Engine(options, o);
        }
        Observer first = observer;
        return new Engine(options, new Observer() {
            @Override
            public void loaded(Network network, long startNanos, long endNanos) {
                first.loaded(network, startNanos, endNanos);
                o.loaded(network, startNanos, endNanos);
            }

            @Override
            public void ran(Network network, long startNanos, long endNanos) {
                first.ran(network, startNanos, endNanos);
                o.ran(network, startNanos, endNanos);
            }
        });
    }

    /** An engine with {@link Options#defaults()}. */
    public static Engine cpu() {
        return new Engine(Options.defaults());
    }

    public Options options() {
        return options;
    }

    /** Which ONNX Runtime this process runs, e.g. {@code ONNX Runtime 1.29.0, GPU build}. */
    public static String runtime() {
        boolean gpu = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        return "ONNX Runtime " + ENV.getVersion() + (gpu ? ", GPU build" : ", CPU build");
    }

    /** The type graphs for this engine compute in ({@link Precision#computeType}). */
    public DType computeType() {
        return options.precision().computeType(options.provider());
    }

    /** A new graph computing in {@link #computeType()}. */
    public Graph graph(String name) {
        return new Graph(name, computeType());
    }

    /**
     * Creates a session for {@code model}. Its external weights are read from files under
     * {@link Model#weightsRoot()}.
     *
     * @throws EngineException when the provider is unavailable or ONNX Runtime rejects the graph
     */
    public Network load(Model model) {
        if (options.provider() == Provider.CUDA) {
            requireGpu();
        }
        long start = System.nanoTime();
        Network network = create(model);
        observer.loaded(network, start, System.nanoTime());
        return network;
    }

    private Network create(Model model) {
        try (OrtSession.SessionOptions so = sessionOptions(model)) {
            if (options.sessionCache() == null || options.provider() != Provider.CPU) {
                return plain(model, so);
            }
            return loadThroughCache(model, so);
        } catch (OrtException e) {
            if (options.provider() == Provider.CUDA) {
                throw CudaFailures.session(model.name(), options.cuda().deviceId(), e);
            }
            throw new EngineException("ONNX Runtime could not load graph '" + model.name() + "' (weights under "
                    + model.weightsRoot() + "): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new EngineException("the session cache " + options.sessionCache().root() + " could not be used for "
                    + "graph '" + model.name() + "': " + e.getMessage(), e);
        }
    }

    private Network plain(Model model, OrtSession.SessionOptions so) throws OrtException {
        return new Network(ENV, ENV.createSession(model.proto().toByteArray(), so), model, failures(), observer);
    }

    private OrtSession.SessionOptions sessionOptions(Model model) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        so.setIntraOpNumThreads(options.threads());
        so.setInterOpNumThreads(1);
        so.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        so.addConfigEntry("session.model_external_initializers_file_folder_path", model.weightsRoot().toString());
        if (options.disablePrepacking()) {
            so.addConfigEntry("session.disable_prepacking", "1");
        }
        if (options.profilePrefix() != null) {
            so.enableProfiling(options.profilePrefix() + "-" + model.name());
        }
        if (options.provider() == Provider.CUDA) {
            addCuda(so);
        }
        return so;
    }

    /**
     * Loads the optimised graph of an earlier process when the cache has it; otherwise optimises as
     * usual, letting ONNX Runtime write the optimised graph (weights as external data) into the cache
     * when the cache has room for it. The cache never fails a load: an entry that does not load is
     * deleted, and a graph that cannot be written loads without the cache.
     */
    private Network loadThroughCache(Model model, OrtSession.SessionOptions so) throws OrtException, IOException {
        SessionCache cache = options.sessionCache();
        Path entry = cache.entry(model, ENV.getVersion(), options);
        if (SessionCache.isComplete(entry)) {
            SessionCache.used(entry);
            try (OrtSession.SessionOptions cached = sessionOptions(model)) {
                // The cached graph is self-contained: its weights are in the entry's weights.bin.
                cached.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
                cached.addConfigEntry("session.model_external_initializers_file_folder_path", entry.toString());
                return new Network(ENV, ENV.createSession(entry.resolve(SessionCache.MODEL).toString(), cached),
                        model, failures(), observer);
            } catch (OrtException e) {
                SessionCache.delete(entry);           // damaged, or evicted by another process meanwhile
            }
        }
        Path partial;
        try {
            if (!cache.makeRoom(SessionCache.estimate(model, computeType()))) {
                return plain(model, so);
            }
            partial = cache.begin();
        } catch (IOException e) {
            return plain(model, so);                  // a cache folder that cannot be written
        }
        try (OrtSession.SessionOptions writing = sessionOptions(model)) {
            writing.setOptimizedModelFilePath(partial.resolve(SessionCache.MODEL).toString());
            writing.addConfigEntry("session.optimized_model_external_initializers_file_name", SessionCache.WEIGHTS);
            writing.addConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes", "1024");
            OrtSession session;
            try {
                session = ENV.createSession(model.proto().toByteArray(), writing);
            } catch (OrtException e) {
                // a full disk, say: the graph loads without the cache, or fails there with its own error
                SessionCache.delete(partial);
                return plain(model, so);
            }
            try {
                SessionCache.commit(partial, entry);
            } catch (IOException e) {
                // the session is made; only the entry is lost
            }
            return new Network(ENV, session, model, failures(), observer);
        } finally {
            SessionCache.delete(partial);
        }
    }

    /**
     * The GPU of {@link Options#cuda()}, once {@link CudaRuntime#check} has found the GPU build of ONNX
     * Runtime, the driver, CUDA 12, cuDNN 9 and the GPU; checked before any session is created.
     *
     * @throws EngineException one line naming what is missing
     */
    public CudaRuntime.Gpu requireGpu() {
        CudaRuntime.Check check = CudaRuntime.check(options.cuda().deviceId());
        if (!check.ready()) {
            throw new EngineException(check.problem());
        }
        return check.gpu();
    }

    /** Adds the CUDA provider with {@link Options#cuda()}. */
    private void addCuda(OrtSession.SessionOptions so) throws OrtException {
        try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(options.cuda().deviceId())) {
            for (Map.Entry<String, String> e : options.cuda().providerOptions().entrySet()) {
                cuda.add(e.getKey(), e.getValue());
            }
            so.addCUDA(cuda);
        }
    }

    /** How a failed run is reported: CUDA's failures are named ({@link CudaFailures}), others as they are. */
    private Network.Failures failures() {
        if (options.provider() != Provider.CUDA) {
            return (graph, inputs, e) -> new EngineException("running graph '" + graph + "' failed: " + e.getMessage(),
                    e);
        }
        int device = options.cuda().deviceId();
        return (graph, inputs, e) -> CudaFailures.run(graph, inputs, device, e);
    }

    /** ONNX Runtime's process-wide environment and the clean-up of what its native loader leaves behind. */
    private static final class NativeRuntime {

        static OrtEnvironment environment() {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            Set<Path> before = ortTempEntries(tmp);
            OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "bivdiff");
            Set<Path> created = ortTempEntries(tmp);
            created.removeAll(before);
            created.add(tmp.resolve("mat-debug-" + ProcessHandle.current().pid() + ".log"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> created.forEach(NativeRuntime::deleteIfEmpty)));
            return env;
        }

        private static Set<Path> ortTempEntries(Path tmp) {
            try (Stream<Path> s = Files.list(tmp)) {
                return new HashSet<>(s.filter(p -> p.getFileName().toString().startsWith("onnxruntime-java")).toList());
            } catch (IOException e) {
                return new HashSet<>();
            }
        }

        /**
         * Deletes what this process's ONNX Runtime left: its native-library folder (the libraries are
         * loaded already; the JVM's own delete-on-exit would only run after this hook and leave the
         * folder) and an empty {@code mat-debug} log.
         */
        private static void deleteIfEmpty(Path p) {
            try {
                if (Files.isDirectory(p)) {
                    try (Stream<Path> s = Files.list(p)) {
                        for (Path f : s.toList()) {
                            if (Files.isRegularFile(f) && f.getFileName().toString().contains("onnxruntime")) {
                                Files.deleteIfExists(f);
                            }
                        }
                    }
                    try (Stream<Path> s = Files.list(p)) {
                        if (s.findAny().isPresent()) {
                            return;
                        }
                    }
                } else if (!Files.exists(p) || Files.size(p) > 0) {
                    return;
                }
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort at exit: a leftover empty folder is harmless
            }
        }
    }
}
