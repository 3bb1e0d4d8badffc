package org.bivdiff.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The CUDA provider's settings: defaults, ONNX Runtime's spellings, and bad settings named. */
class CudaOptionsTest {

    @Test
    void defaultsAsOnnxRuntimeTakesThem() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("device_id", "0");
        expected.put("arena_extend_strategy", "kSameAsRequested");
        expected.put("cudnn_conv_algo_search", "EXHAUSTIVE");
        expected.put("cudnn_conv_use_max_workspace", "1");
        expected.put("do_copy_in_default_stream", "1");
        expected.put("use_tf32", "0");
        assertEquals(expected, CudaOptions.defaults().providerOptions());
    }

    @Test
    void settingsInOnnxRuntimeSpelling() {
        CudaOptions o = CudaOptions.defaults().parse("device_id=1, gpu_mem_limit=12G,arena_extend_strategy=kNextPowerOfTwo,"
                + "cudnn_conv_algo_search=HEURISTIC,cudnn_conv_use_max_workspace=0,do_copy_in_default_stream=0,use_tf32=1");
        assertEquals(new CudaOptions(1, 12L << 30, CudaOptions.ArenaExtend.NEXT_POWER_OF_TWO,
                CudaOptions.ConvAlgoSearch.HEURISTIC, false, false, true), o);
        assertEquals("12884901888", o.providerOptions().get("gpu_mem_limit"));
        assertEquals(512L << 20, CudaOptions.defaults().parse("gpu_mem_limit=512m").memLimitBytes());
        assertEquals(1000, CudaOptions.defaults().parse("gpu_mem_limit=1000").memLimitBytes());
        assertEquals(CudaOptions.defaults(), CudaOptions.defaults().parse(""));
    }

    @Test
    void badSettingsNameTheKeyAndValue() {
        var unknown = assertThrows(IllegalArgumentException.class, () -> CudaOptions.defaults().parse("enable_cuda_graph=1"));
        assertTrue(unknown.getMessage().contains("'enable_cuda_graph'") && unknown.getMessage().contains("gpu_mem_limit"),
                unknown.getMessage());
        var spelling = assertThrows(IllegalArgumentException.class,
                () -> CudaOptions.defaults().parse("arena_extend_strategy=same"));
        assertTrue(spelling.getMessage().contains("[kNextPowerOfTwo, kSameAsRequested]"), spelling.getMessage());
        var flag = assertThrows(IllegalArgumentException.class, () -> CudaOptions.defaults().parse("use_tf32=yes"));
        assertTrue(flag.getMessage().contains("use_tf32 takes 0 or 1, got 'yes'"), flag.getMessage());
        var pair = assertThrows(IllegalArgumentException.class, () -> CudaOptions.defaults().parse("use_tf32"));
        assertTrue(pair.getMessage().contains("'use_tf32' is not key=value"), pair.getMessage());
        var size = assertThrows(IllegalArgumentException.class, () -> CudaOptions.defaults().parse("gpu_mem_limit=lots"));
        assertTrue(size.getMessage().contains("gpu_mem_limit takes an integer"), size.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CudaOptions.defaults().parse("gpu_mem_limit=99999999999G"));
        var device = assertThrows(IllegalArgumentException.class, () -> CudaOptions.defaults().parse("device_id=-1"));
        assertTrue(device.getMessage().contains("device_id must be >= 0"), device.getMessage());
    }
}
