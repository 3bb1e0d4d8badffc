package org.bivdiff.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;

import org.bivdiff.graph.Engine;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * The CUDA build's conformance check on its CPU provider: one case per network family and one whole
 * pipeline, through the ONNX Runtime natives of the GPU build (a different library from the CPU build's).
 * The CPU build runs every case in {@link ConformanceTest} instead, so this subset is excluded there.
 */
@Tag("cuda-build")
@Tag("conformance-subset")
class ConformanceSubsetTest {

    static final List<String> CASES = List.of("tokenizer", "text_encoder_sd15", "vae_sd15", "unet2d_sd15",
            "controlnet_sd15", "t2i_adapter_sd15", "unet3d", "unet_inflated_sd15", "idm_controlnet");

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));

    @TestFactory
    Stream<DynamicTest> representativeCasesPass() {
        return CASES.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            CaseResult r = Conformance.run(Fixtures.root(), name, ENGINE);
            assertEquals(CaseResult.Status.PASS, r.status(), r.line());
        }));
    }
}
