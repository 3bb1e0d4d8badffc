package org.bivdiff.graph;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.bivdiff.io.ConfigJson.Spelled;
import org.bivdiff.io.Spellings;

/**
 * Settings of ONNX Runtime's CUDA execution provider ({@code OrtCUDAProviderOptions}), written with its own
 * key names by {@link #parse} and {@link #providerOptions()}. The defaults differ from ONNX Runtime's in
 * two places, both for the way BIVDiff runs (every frame and guidance branch of a step in one call, the
 * same shapes for all steps):
 * <ul>
 *   <li>{@code arena_extend_strategy=kSameAsRequested}: ONNX Runtime's default, {@code kNextPowerOfTwo},
 *       rounds every extension of its memory arena up to a power of two, so one 5 GB activation peak can
 *       reserve 8 GB and leave too little for the next model;</li>
 *   <li>{@code use_tf32=0}: ONNX Runtime computes float32 convolutions and matrix products in TF32 (10
 *       mantissa bits) by default; here float32 means float32, which the golden tolerances need. Float16
 *       graphs, the default on CUDA, are not affected.</li>
 * </ul>
 * Kept as ONNX Runtime has them: {@code cudnn_conv_algo_search=EXHAUSTIVE} (each convolution shape is
 * benchmarked once, on its first call, and every later step reuses the fastest algorithm),
 * {@code cudnn_conv_use_max_workspace=1} (cuDNN may pick algorithms that need a large workspace) and
 * {@code do_copy_in_default_stream=1} (ONNX Runtime calls the other setting racy).
 *
 * @param deviceId            GPU index ({@code device_id})
 * @param memLimitBytes       most bytes ONNX Runtime's arena may take on the GPU ({@code gpu_mem_limit}); 0 = no
 *                            limit
 * @param arenaExtend         how the arena grows ({@code arena_extend_strategy})
 * @param convAlgoSearch      how cuDNN convolution algorithms are chosen ({@code cudnn_conv_algo_search})
 * @param convMaxWorkspace    let cuDNN use as much workspace as its fastest algorithm wants
 *                            ({@code cudnn_conv_use_max_workspace})
 * @param copyInDefaultStream copy between host and GPU on the default stream ({@code do_copy_in_default_stream})
 * @param tf32                compute float32 convolutions and GEMMs in TF32 ({@code use_tf32})
 */
public record CudaOptions(int deviceId, long memLimitBytes, ArenaExtend arenaExtend, ConvAlgoSearch convAlgoSearch,
                          boolean convMaxWorkspace, boolean copyInDefaultStream, boolean tf32) {

    /** ONNX Runtime's {@code arena_extend_strategy}. */
    public enum ArenaExtend implements Spelled {
        NEXT_POWER_OF_TWO("kNextPowerOfTwo"),
        SAME_AS_REQUESTED("kSameAsRequested");

        private final String spelling;

        ArenaExtend(String spelling) {
            this.spelling = spelling;
        }

        @Override
        public String spelling() {
            return spelling;
        }
    }

    /** ONNX Runtime's {@code cudnn_conv_algo_search}. */
    public enum ConvAlgoSearch implements Spelled {
        /** Benchmark every algorithm once per shape (slow first call, fastest after). */
        EXHAUSTIVE("EXHAUSTIVE"),
        /** cuDNN's heuristics: no benchmarking. */
        HEURISTIC("HEURISTIC"),
        /** cuDNN's default algorithm. */
        DEFAULT("DEFAULT");

        private final String spelling;

        ConvAlgoSearch(String spelling) {
            this.spelling = spelling;
        }

        @Override
        public String spelling() {
            return spelling;
        }
    }

    static final String DEVICE_ID = "device_id";
    static final String MEM_LIMIT = "gpu_mem_limit";
    static final String ARENA_EXTEND = "arena_extend_strategy";
    static final String CONV_ALGO_SEARCH = "cudnn_conv_algo_search";
    static final String CONV_MAX_WORKSPACE = "cudnn_conv_use_max_workspace";
    static final String COPY_IN_DEFAULT_STREAM = "do_copy_in_default_stream";
    static final String TF32 = "use_tf32";
    private static final String KEYS = String.join(", ", DEVICE_ID, MEM_LIMIT, ARENA_EXTEND, CONV_ALGO_SEARCH,
            CONV_MAX_WORKSPACE, COPY_IN_DEFAULT_STREAM, TF32);

    public CudaOptions {
        if (deviceId < 0) {
            throw new IllegalArgumentException(DEVICE_ID + " must be >= 0, got " + deviceId);
        }
        if (memLimitBytes < 0) {
            throw new IllegalArgumentException(MEM_LIMIT + " must be >= 0 (0 = no limit), got " + memLimitBytes);
        }
        if (arenaExtend == null || convAlgoSearch == null) {
            throw new IllegalArgumentException("arena_extend_strategy and cudnn_conv_algo_search are required");
        }
    }

    /** GPU 0 and the defaults described above. */
    public static CudaOptions defaults() {
        return new CudaOptions(0, 0, ArenaExtend.SAME_AS_REQUESTED, ConvAlgoSearch.EXHAUSTIVE, true, true, false);
    }

    public CudaOptions withDeviceId(int id) {
        return new CudaOptions(id, memLimitBytes, arenaExtend, convAlgoSearch, convMaxWorkspace, copyInDefaultStream,
                tf32);
    }

    /**
     * These options with {@code settings} applied: comma-separated {@code key=value} pairs in ONNX Runtime's
     * spelling, e.g. {@code gpu_mem_limit=12G,cudnn_conv_algo_search=HEURISTIC}. Sizes take a K, M or G
     * suffix (powers of 1024); switches take 0 / 1.
     *
     * @throws IllegalArgumentException naming the pair that is wrong and the keys there are
     */
    public CudaOptions parse(String settings) {
        CudaOptions o = this;
        for (String pair : settings.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("CUDA option '" + pair.trim() + "' is not key=value (keys: " + KEYS
                        + ")");
            }
            o = o.with(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return o;
    }

    private CudaOptions with(String key, String value) {
        int id = deviceId;
        long limit = memLimitBytes;
        ArenaExtend arena = arenaExtend;
        ConvAlgoSearch search = convAlgoSearch;
        boolean workspace = convMaxWorkspace;
        boolean copy = copyInDefaultStream;
        boolean t = tf32;
        switch (key) {
            case DEVICE_ID -> id = Math.toIntExact(number(key, value));
            case MEM_LIMIT -> limit = bytes(value);
            case ARENA_EXTEND -> arena = spelled(key, value, ArenaExtend.class);
            case CONV_ALGO_SEARCH -> search = spelled(key, value, ConvAlgoSearch.class);
            case CONV_MAX_WORKSPACE -> workspace = flag(key, value);
            case COPY_IN_DEFAULT_STREAM -> copy = flag(key, value);
            case TF32 -> t = flag(key, value);
            default -> throw new IllegalArgumentException("unknown CUDA option '" + key + "' (keys: " + KEYS + ")");
        }
        return new CudaOptions(id, limit, arena, search, workspace, copy, t);
    }

    /** The options as ONNX Runtime's CUDA provider takes them. */
    public Map<String, String> providerOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(DEVICE_ID, Integer.toString(deviceId));
        if (memLimitBytes > 0) {
            m.put(MEM_LIMIT, Long.toString(memLimitBytes));
        }
        m.put(ARENA_EXTEND, arenaExtend.spelling());
        m.put(CONV_ALGO_SEARCH, convAlgoSearch.spelling());
        m.put(CONV_MAX_WORKSPACE, convMaxWorkspace ? "1" : "0");
        m.put(COPY_IN_DEFAULT_STREAM, copyInDefaultStream ? "1" : "0");
        m.put(TF32, tf32 ? "1" : "0");
        return m;
    }

    private static long number(String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("CUDA option " + key + " takes an integer, got '" + value + "'", e);
        }
    }

    private static long bytes(String value) {
        String v = value.toUpperCase(Locale.ROOT);
        int shift = v.endsWith("K") ? 10 : v.endsWith("M") ? 20 : v.endsWith("G") ? 30 : 0;
        long n = number(MEM_LIMIT, shift == 0 ? v : v.substring(0, v.length() - 1));
        if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("CUDA option " + MEM_LIMIT + " is out of range: '" + value + "'");
        }
        return n << shift;
    }

    private static boolean flag(String key, String value) {
        return switch (value) {
            case "1" -> true;
            case "0" -> false;
            default -> throw new IllegalArgumentException("CUDA option " + key + " takes 0 or 1, got '" + value + "'");
        };
    }

    private static <E extends Enum<E> & Spelled> E spelled(String key, String value, Class<E> type) {
        return Spellings.find(type, Spelled::spelling, value).orElseThrow(() -> new IllegalArgumentException(
                "CUDA option " + key + " takes one of " + Spellings.all(type, Spelled::spelling) + ", got '" + value
                        + "'"));
    }
}
