package org.bivdiff.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import picocli.CommandLine.Option;

/** The CLIP model that scores, as {@code eval} and {@code ablate} take it: {@code --clip} and its tokenizer. */
final class ClipFlags {

    @Option(names = "--clip", paramLabel = "DIR", order = 10, description = "a transformers CLIP folder such as "
            + "openai/clip-vit-large-patch14 (required)")
    String clip;

    @Option(names = "--clip-tokenizer", paramLabel = "DIR", order = 11,
            description = "its tokenizer files (default: --clip)")
    String tokenizer;

    /** The model folder. */
    Path folder() throws UsageException {
        if (clip == null) {
            throw new UsageException("--clip DIR is needed: a transformers CLIP folder (config.json, model.safetensors, "
                    + "preprocessor_config.json and the tokenizer files), such as openai/clip-vit-large-patch14");
        }
        Path folder = Path.of(clip);
        if (!Files.isDirectory(folder)) {
            throw new UsageException("--clip " + clip + ": no such folder");
        }
        return folder;
    }

    /** The tokenizer's folder: {@code --clip-tokenizer}, else the model folder. */
    Path tokenizerFolder() throws UsageException {
        return tokenizer != null ? Path.of(tokenizer) : folder();
    }
}
