package org.bivdiff.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.bivdiff.graph.Engine;

/**
 * The conformance engine shared by the test suite and {@code bivdiff conformance}: finds the cases of
 * a fixture set, runs each through its {@link CaseRunner} and checks every golden output.
 */
public final class Conformance {

    private static final Map<String, CaseRunner> RUNNERS = new LinkedHashMap<>();

    static {
        RUNNERS.put("tokenizer", TokenizerCases::encode);
        RUNNERS.put("text_encoder_sd15", TextEncoderCases::forward);
        RUNNERS.put("text_encoder_sd21", TextEncoderCases::forward);
        RUNNERS.put("vae_sd15", VaeCases::encodeDecode);
        RUNNERS.put("ddim", SchedulerCases::ddim);
        for (String c : List.of("sched_pndm", "sched_euler", "sched_euler_ancestral", "sched_dpmpp_2m", "sched_lms",
                "sched_ddim_eta")) {
            RUNNERS.put(c, SchedulerCases::analyticLoop);
        }
        RUNNERS.put("unet2d_sd15", UNetCases::unet2d);
        RUNNERS.put("unet2d_sd15_oddsize", UNetCases::unet2d);
        RUNNERS.put("unet2d_sd21", UNetCases::unet2d);
        RUNNERS.put("unet2d_ip2p", UNetCases::unet2d);
        RUNNERS.put("unet2d_inpaint", UNetCases::unet2d);
        RUNNERS.put("unet_inflated_sd15", UNetCases::inflated);
        RUNNERS.put("unet3d", UNetCases::unet3d);
        RUNNERS.put("mixed_inversion", BivdiffCases::mixedInversion);
        RUNNERS.put("video_smoothing", BivdiffCases::videoSmoothing);
        RUNNERS.put("bivdiff_chain", BivdiffCases::chain);
        RUNNERS.put("bivdiff_chain_vidrd", BivdiffCases::chainVidRD);
        RUNNERS.put("vidrd_unet3d", VidRDCases::unet3d);
        RUNNERS.put("controlnet_sd15", ControlNetCases::controlNet);
        RUNNERS.put("t2i_adapter_sd15", AdapterCases::t2iAdapter);
        RUNNERS.put("e2e_txt2img_sd15", PipelineCases::textToImage);
        RUNNERS.put("idm_controlnet", PipelineCases::controlNet);
        RUNNERS.put("idm_t2i_adapter", PipelineCases::adapter);
        RUNNERS.put("idm_ip2p", PipelineCases::instructPix2Pix);
        RUNNERS.put("idm_ip2p_euler_a", PipelineCases::instructPix2Pix);
        RUNNERS.put("idm_inpaint", PipelineCases::inpaint);
        for (String c : List.of("p2p_replace", "p2p_replace_localblend", "p2p_refine", "p2p_refine_localblend",
                "p2p_replace_localblend_pndm")) {
            RUNNERS.put(c, Prompt2PromptCases::prompt2Prompt);
        }
        RUNNERS.put("canny", CannyCases::canny);
        RUNNERS.put("dpt_depth", DepthCases::dptDepth);
        RUNNERS.put("dpt_key_mapping", DepthCases::dptKeyMapping);
        RUNNERS.put("midas_detector", DepthCases::midasDetector);
        RUNNERS.put("clip_vision", ClipCases::vision);
        RUNNERS.put("clip_image_preprocess", ClipCases::imagePreprocess);
        RUNNERS.put("clip_eval", ClipCases::loveuMetrics);
        RUNNERS.put("torch_checkpoints", TorchCheckpointCases::check);
    }

    private Conformance() {
    }

    /** Names of the cases this implementation can run. */
    public static Set<String> implemented() {
        return RUNNERS.keySet();
    }

    /** Case names of the fixture set at {@code root}, sorted. */
    public static List<String> cases(Path root) throws IOException {
        Path dir = root.resolve("cases");
        if (!Files.isDirectory(dir)) {
            throw new IOException("no fixture set at " + root + ": " + dir + " is not a folder (set "
                    + Fixtures.ENV + " or pass --fixtures)");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        }
    }

    /**
     * Runs case {@code name} of the fixture set at {@code root}. A case without a runner is SKIP; an
     * exception, an output out of tolerance or an output left unchecked is FAIL.
     */
    public static CaseResult run(Path root, String name, Engine engine) {
        long start = System.nanoTime();
        CaseRunner runner = RUNNERS.get(name);
        if (runner == null) {
            return new CaseResult(name, CaseResult.Status.SKIP, List.of(), "not implemented yet", 0);
        }
        CaseSpec spec;
        try {
            spec = CaseSpec.read(root, name);
        } catch (IOException | RuntimeException e) {
            return new CaseResult(name, CaseResult.Status.FAIL, List.of(), "cannot read case: " + e.getMessage(), 0);
        }
        try (CaseContext ctx = new CaseContext(spec, engine)) {
            runner.run(ctx);
            List<Comparison> done = ctx.comparisons();
            double seconds = (System.nanoTime() - start) / 1e9;
            List<String> unchecked = new ArrayList<>(spec.outputs().keySet());
            done.forEach(c -> unchecked.remove(c.output()));
            if (!unchecked.isEmpty()) {
                return new CaseResult(name, CaseResult.Status.FAIL, done, "outputs not checked: " + unchecked, seconds);
            }
            boolean ok = !done.isEmpty() && done.stream().allMatch(Comparison::passed);
            return new CaseResult(name, ok ? CaseResult.Status.PASS : CaseResult.Status.FAIL, done, "", seconds);
        } catch (Exception | LinkageError e) {
            double seconds = (System.nanoTime() - start) / 1e9;
            return new CaseResult(name, CaseResult.Status.FAIL, List.of(),
                    e.getClass().getSimpleName() + ": " + e.getMessage(), seconds);
        }
    }
}
