package org.bivdiff.cli.config;

import java.nio.file.Path;
import java.util.Optional;

import org.bivdiff.io.hub.CheckpointRepos;
import org.bivdiff.io.hub.ModelId;

/**
 * Where to get a missing model of BIVDiff's checkpoints layout: the Hugging Face repository behind each sub-folder
 * (or file) of {@code ./checkpoints} that the official configs and {@code models/*}{@code /infer.py} name
 * ({@link CheckpointRepos}), so that the error says where it comes from.
 */
final class ModelSources {

    private ModelSources() {
    }

    /** The repository of a model at {@code path}, known by the last one or two names of the path. */
    static Optional<String> repository(Path path) {
        if (path == null) {
            return Optional.empty();
        }
        int n = path.getNameCount();
        for (int tail = Math.min(2, n); tail >= 1; tail--) {
            String key = path.subpath(n - tail, n).toString().replace('\\', '/');
            if (key.equals(OfficialConfig.MIDAS_CHECKPOINT)) {
                return Optional.of(CheckpointRepos.ANNOTATORS);
            }
            Optional<ModelId> repo = CheckpointRepos.of(key);
            if (repo.isPresent()) {
                return repo.map(ModelId::toString);
            }
        }
        return Optional.empty();
    }

    /** {@code "; get it from the Hugging Face repository <id>"} for a known model, else nothing. */
    static String hint(Path path) {
        return repository(path).map(r -> "; get it from the Hugging Face repository " + r).orElse("");
    }
}
