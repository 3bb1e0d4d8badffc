package org.bivdiff.models.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.bivdiff.conformance.Fixtures;

/** The fixture tokenizer folders, located through {@code cases/tokenizer.json}'s {@code tokenizer_folders}. */
final class TokenizerTestFolders {

    private TokenizerTestFolders() {
    }

    /** The folder used for {@code field} ({@code input_ids}: SD 1.x pad, {@code input_ids_pad_bang}: SD 2.x pad). */
    static Path folderFor(String field) {
        try {
            JsonNode folders = new ObjectMapper().readTree(Fixtures.root().resolve("cases/tokenizer.json").toFile())
                    .get("tokenizer_folders");
            return Fixtures.root().resolve(folders.get(field).asText().strip().split("\\s+")[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
