package org.bivdiff.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Network;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.DType;
import org.bivdiff.io.SafeTensorsFile;
import org.bivdiff.io.SafeTensorsWriter;
import org.bivdiff.io.TensorInfo;
import org.bivdiff.io.TorchWriter;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights from torch checkpoints in graphs: contiguous tensors as external data at their offset in the
 * pickle file (also unaligned ones, in the hand-made fixture), non-contiguous ones materialised inline.
 */
class TorchWeightsTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(1));
    private static final Path PICKLES = Fixtures.root().resolve("models/torch-pickles");

    /** Runs a graph outputting every floating-point weight of {@code c} and compares with the host reads. */
    private static void graphReadsEveryWeight(Checkpoint c, Set<String> expectedInline) throws IOException {
        Weights w = Weights.of(c);
        Graph g = new Graph("weights");
        Map<String, String> outputs = new LinkedHashMap<>();
        int i = 0;
        for (String name : c.names()) {
            if (!c.info(name).orElseThrow().dtype().isFloating()) {
                w.markUsed(name);
                continue;
            }
            ExternalTensor t = w.tensor(name);
            assertEquals(expectedInline.contains(name), t.isInline(), name);
            String out = "out" + i++;
            g.output(out, g.weight(t));
            outputs.put(out, name);
        }
        w.requireAllUsed(Set.of());
        try (Network n = ENGINE.load(g.build())) {
            Map<String, Tensor> result = n.run(Map.of());
            for (Map.Entry<String, String> e : outputs.entrySet()) {
                assertArrayEquals(c.readFloats(e.getValue()), result.get(e.getKey()).data(), e.getValue());
                assertArrayEquals(c.info(e.getValue()).orElseThrow().shape(),
                        java.util.Arrays.stream(result.get(e.getKey()).shape()).asLongStream().toArray(), e.getValue());
            }
        }
    }

    @Test
    void diffusersPickleInAGraph() throws IOException {
        try (Checkpoint c = Checkpoint.openFile(PICKLES.resolve("diffusers_state_dict.bin"))) {
            graphReadsEveryWeight(c, Set.of("proj_out.weight", "pos_bias"));
        }
    }

    @Test
    void legacyPickleAndUnalignedDataInAGraph() throws IOException {
        try (Checkpoint c = Checkpoint.openFile(PICKLES.resolve("diffusers_state_dict_legacy.bin"))) {
            graphReadsEveryWeight(c, Set.of("proj_out.weight", "pos_bias"));
        }
        try (Checkpoint c = Checkpoint.openFile(PICKLES.resolve("handcrafted_valid.pt"))) {
            graphReadsEveryWeight(c, Set.of());
        }
    }

    @Test
    void lightningPrefixViewsLoadStrictly() throws IOException {
        try (Checkpoint c = Checkpoint.openFile(PICKLES.resolve("lightning_checkpoint.ckpt"))) {
            WeightsException e = assertThrows(WeightsException.class,
                    () -> Weights.load(c.withPrefix("vae"), w -> w.tensor("quant_conv.weight", 8, 8, 1, 1)));
            assertTrue(e.getMessage().contains("[quant_conv.bias]") && e.getMessage().contains("(keys under 'vae.')"),
                    e.getMessage());
            ExternalTensor weight = Weights.load(c.withPrefix("vae"), w -> {
                w.tensor("quant_conv.bias", 8);
                return w.tensor("quant_conv.weight", 8, 8, 1, 1);
            });
            assertEquals(DType.F16, weight.dtype());
            assertEquals(c.locate("vae.quant_conv.weight"), new org.bivdiff.io.TensorLocation.InFile(weight.file(),
                    weight.offset(), weight.length()));
        }
    }

    @Test
    void missingWeightNamesTheFileAndPrefix() throws IOException {
        try (Checkpoint c = Checkpoint.openFile(PICKLES.resolve("lightning_checkpoint.ckpt"))) {
            Weights w = Weights.of(c.withPrefix("unet"));
            WeightsException e = assertThrows(WeightsException.class, () -> w.tensor("conv_out.weight"));
            assertTrue(e.getMessage().contains("lightning_checkpoint.ckpt (keys under 'unet.')"), e.getMessage());
            assertFalse(w.tensor("conv_in.bias").isInline());
            assertEquals(List.of(8L), List.of(w.tensor("conv_in.bias").shape()[0]));
            assertEquals(DType.F32, w.tensor("conv_in.weight", 8, 4, 3, 3).dtype());
        }
    }

    /** The tiny SD UNet from a diffusion_pytorch_model.bin folder computes exactly what it does from safetensors. */
    @Test
    void aUNetLoadsFromAPickleFolderAsFromSafetensors(@TempDir Path dir) throws IOException {
        Path safe = Fixtures.root().resolve("models/tiny-sd15/unet");
        Path pickle = Files.createDirectories(dir.resolve("unet"));
        Files.copy(safe.resolve("config.json"), pickle.resolve("config.json"));
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(safe.resolve("diffusion_pytorch_model.safetensors"))) {
            for (String n : f.names()) {
                TensorInfo info = f.info(n).orElseThrow();
                entries.add(new SafeTensorsWriter.Entry(n, info.dtype(), info.shape(), f.segment(n).toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        TorchWriter.write(pickle.resolve("diffusion_pytorch_model.bin"), entries);
        Tensor sample;
        Tensor ehs;
        try (SafeTensorsFile c = SafeTensorsFile.open(Fixtures.root().resolve("cases/unet2d_sd15.safetensors"))) {
            sample = c.readTensor("sample");
            ehs = c.readTensor("encoder_hidden_states");
        }
        try (UNet2DConditionModel a = UNet2DConditionModel.load(safe, ENGINE);
             UNet2DConditionModel b = UNet2DConditionModel.load(pickle, ENGINE)) {
            assertArrayEquals(a.forward(sample, 500, ehs).data(), b.forward(sample, 500, ehs).data());
        }
    }
}
