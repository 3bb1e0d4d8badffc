package org.bivdiff.io.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The repositories behind BIVDiff's ./checkpoints folders, and the user-facing tables that list them. */
class CheckpointReposTest {

    @Test
    void everyOfficialConfigFolderHasItsRepository() {
        Map<String, ModelId> all = CheckpointRepos.all();
        assertEquals(Optional.of(ModelId.of("lllyasviel/control_v11f1p_sd15_depth")),
                CheckpointRepos.of("ControlNet/control_v11f1p_sd15_depth"));
        assertEquals(Optional.of(ModelId.of("stabilityai/stable-diffusion-2-1-base")),
                CheckpointRepos.of("stable-diffusion-2-1-base/"), "BIVDiff's VidRD configs end the path with /");
        assertEquals(Optional.empty(), CheckpointRepos.of("VidRD/ModelT2V.pth"));
        assertEquals(Optional.of(ModelId.of("Intel/dpt-hybrid-midas")), CheckpointRepos.of("Annotators/dpt-hybrid-midas"));
        assertEquals(11, all.size());
    }

    @Test
    void readmeAndConfigDocsListEveryRepositoryWithItsFolder() throws IOException {
        for (String doc : new String[] {"README.md", "docs/config.md"}) {
            String text = Files.readString(Path.of(doc));
            CheckpointRepos.all().forEach((folder, id) -> assertTrue(text.contains("| `" + id.repo() + "` | `" + folder
                    + "` |"), doc + " lists " + id.repo() + " for " + folder));
        }
    }
}
