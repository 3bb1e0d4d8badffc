package org.bivdiff.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.SafeTensorsFile;
import org.bivdiff.io.SafeTensorsWriter;
import org.bivdiff.io.TorchWriter;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model folders whose files are symbolic links, as the Hugging Face cache lays them out
 * ({@code snapshots/<commit>/vae/x -> ../../../blobs/<etag>}) and as users make them by hand: the
 * weights load, and compute what the plain folder computes.
 */
class SymlinkedWeightsTest {

    private static final Path VAE = Fixtures.root().resolve("models/tiny-sd15/vae");
    private static final Tensor LATENTS = Tensor.full(0.25f, 1, 4, 8, 8);

    @TempDir
    Path dir;

    @Test
    void hubCacheSnapshotLoads() throws Exception {
        Path snapshot = dir.resolve("models--org--tiny/snapshots/0123456789abcdef0123456789abcdef01234567/vae");
        Files.createDirectories(snapshot);
        Path blobs = Files.createDirectories(dir.resolve("models--org--tiny/blobs"));
        int n = 0;
        for (Path f : files(VAE)) {
            Path blob = Files.copy(f, blobs.resolve("blob" + n++));
            Files.createSymbolicLink(snapshot.resolve(f.getFileName()), snapshot.relativize(blob));
        }
        assertSameDecode(snapshot, engine());
    }

    @Test
    void shardsWhoseFilesSitInDifferentFolders() throws Exception {
        // The VAE's weights split over two shards, each a link into a folder of its own, the index a link too.
        Map<String, Tensor> all = new TreeMap<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(VAE.resolve("diffusion_pytorch_model.safetensors"))) {
            for (String name : f.names()) {
                all.put(name, f.readTensor(name));
            }
        }
        Map<String, Tensor> first = new TreeMap<>();
        Map<String, Tensor> second = new TreeMap<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        String shard1 = "diffusion_pytorch_model-00001-of-00002.safetensors";
        String shard2 = "diffusion_pytorch_model-00002-of-00002.safetensors";
        all.forEach((k, v) -> {
            boolean one = k.startsWith("encoder.");
            (one ? first : second).put(k, v);
            weightMap.put(k, one ? shard1 : shard2);
        });
        Path storeA = Files.createDirectories(dir.resolve("disk-a/store"));
        Path storeB = Files.createDirectories(dir.resolve("disk-b/deep/store"));
        SafeTensorsWriter.write(storeA.resolve("part-one"), first, Map.of());
        SafeTensorsWriter.write(storeB.resolve("part-two"), second, Map.of());
        Files.writeString(storeA.resolve("index"), new ObjectMapper().writeValueAsString(Map.of("weight_map", weightMap)));
        Path folder = Files.createDirectories(dir.resolve("model/vae"));
        Files.createSymbolicLink(folder.resolve(shard1), storeA.resolve("part-one"));
        Files.createSymbolicLink(folder.resolve(shard2), folder.relativize(storeB.resolve("part-two")));
        Files.createSymbolicLink(folder.resolve("diffusion_pytorch_model.safetensors.index.json"), storeA.resolve("index"));
        Files.createSymbolicLink(folder.resolve("config.json"), VAE.resolve("config.json"));
        assertSameDecode(folder, engine());
    }

    @Test
    void torchCheckpointBlobIsReadByItsLinkName() throws Exception {
        // a blob has no extension: the link's name (diffusion_pytorch_model.bin) says it is a pickle
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(VAE.resolve("diffusion_pytorch_model.safetensors"))) {
            for (String name : f.names()) {
                entries.add(SafeTensorsWriter.Entry.f32(name, f.info(name).orElseThrow().shape(), f.readFloats(name)));
            }
        }
        Path blobs = Files.createDirectories(dir.resolve("models--org--torch/blobs"));
        TorchWriter.write(blobs.resolve("0a1b2c"), entries);
        Files.copy(VAE.resolve("config.json"), blobs.resolve("3d4e5f"));
        Path snapshot = Files.createDirectories(dir.resolve("models--org--torch/snapshots/c0ffee/vae"));
        Files.createSymbolicLink(snapshot.resolve("diffusion_pytorch_model.bin"), Path.of("../../../blobs/0a1b2c"));
        Files.createSymbolicLink(snapshot.resolve("config.json"), Path.of("../../../blobs/3d4e5f"));
        assertSameDecode(snapshot, engine());
    }

    @Test
    void linkedFolderLoadsThroughTheSessionCache() throws Exception {
        // The folder itself is a link; a second link to the same files reuses the cached session.
        Path linkA = Files.createSymbolicLink(dir.resolve("vae-link-a"), VAE);
        Path linkB = Files.createSymbolicLink(dir.resolve("vae-link-b"), VAE);
        Path cache = dir.resolve("sessions");
        Engine cached = new Engine(Engine.Options.defaults().withThreads(1).withSessionCache(cache));
        assertSameDecode(linkA, cached);
        assertSameDecode(linkB, cached);
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(1, s.count(), "both links key the decoder graph on the same resolved file");
        }
    }

    private static Engine engine() {
        return new Engine(Engine.Options.defaults().withThreads(1));
    }

    private static void assertSameDecode(Path folder, Engine engine) throws IOException {
        Tensor expected;
        try (AutoencoderKL v = AutoencoderKL.load(VAE, engine())) {
            expected = v.decode(LATENTS);
        }
        try (AutoencoderKL v = AutoencoderKL.load(folder, engine)) {
            TensorAssert.assertExact(expected, v.decode(LATENTS), "decode from " + folder);
        }
        assertTrue(Files.isSymbolicLink(folder) || files(folder).stream().allMatch(Files::isSymbolicLink));
    }

    private static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.sorted().toList();
        }
    }
}
