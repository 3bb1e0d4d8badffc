package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.LongStream;
import org.bivdiff.conformance.Fixtures;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Reads the real tiny-sd15 weight files of the fixture set (written by the reference safetensors). */
class SafeTensorsFixtureTest {

    private static final Path TINY = Fixtures.root().resolve("models/tiny-sd15");

    @Test
    void textEncoderPositionIdsAreI64() throws IOException {
        try (SafeTensorsFile f = SafeTensorsFile.open(TINY.resolve("text_encoder/model.safetensors"))) {
            TensorInfo ids = f.info("text_model.embeddings.position_ids").orElseThrow();
            assertEquals(DType.I64, ids.dtype());
            assertArrayEquals(new long[] {1, 77}, ids.shape());
            assertArrayEquals(LongStream.range(0, 77).toArray(), f.readLongs(ids.name()));
            Tensor asFloat = f.readTensor(ids.name());
            assertArrayEquals(new int[] {1, 77}, asFloat.shape());
            assertEquals(76f, asFloat.data()[76]);
            for (TensorInfo t : f.tensors()) {
                if (t != ids) {
                    assertEquals(DType.F32, t.dtype(), t.name());
                }
            }
        }
    }

    @Test
    void vaeFolderOpensAsCheckpoint() throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(TINY.resolve("vae"))) {
            assertEquals(1, ckpt.files().size());
            assertTrue(ckpt.files().getFirst().path().endsWith("diffusion_pytorch_model.safetensors"));
            TensorInfo conv = ckpt.info("encoder.conv_in.weight").orElseThrow();
            assertEquals(DType.F32, conv.dtype());
            assertEquals(4, conv.shape().length);
            Tensor w = ckpt.readTensor(conv.name());
            assertEquals(conv.numel(), w.numel());
            float sumAbs = 0;
            for (float v : w.data()) {
                assertTrue(Float.isFinite(v));
                sumAbs += Math.abs(v);
            }
            assertTrue(sumAbs > 0, "weights are not all zero");
            for (String name : ckpt.names()) {
                assertEquals(DType.F32, ckpt.info(name).orElseThrow().dtype(), name);
            }
        }
    }
}
