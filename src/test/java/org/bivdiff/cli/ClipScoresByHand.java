package org.bivdiff.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.bivdiff.evaluation.ClipFormulas;
import org.bivdiff.graph.Engine;
import org.bivdiff.media.ClipImageProcessor;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.bivdiff.media.Resize;
import org.bivdiff.models.clip.ClipModel;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;

/**
 * The clip_eval formulas ({@link ClipFormulas}) from frames: what {@code bivdiff eval} and {@code ablate} must
 * print. Only the pieces the conformance cases check on their own (Pillow resize, image processor, tokenizer, the
 * towers) are taken from the library.
 */
final class ClipScoresByHand {

    private ClipScoresByHand() {
    }

    /** The PNG frames of a folder, in name order. */
    static List<Image8> pngFrames(Path folder) throws IOException {
        List<Image8> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
                out.add(ImageFiles.read(p));
            }
        }
        return out;
    }

    /** {textual alignment, frame consistency over ordered pairs, over consecutive pairs}. */
    static double[] scores(Path clip, List<Image8> frames, String prompt) throws IOException {
        ClipImageProcessor processor = ClipImageProcessor.read(clip);
        List<Image8> squashed = new ArrayList<>();
        for (Image8 f : frames) {
            squashed.add(Resize.resize(f, 480, 480, Resize.Filter.BICUBIC));
        }
        int[] ids = ClipTokenizer.load(clip).encodeUnpadded(prompt);
        long[] longIds = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longIds[i] = ids[i];
        }
        Tensor image;
        Tensor text;
        double logitScale;
        try (ClipModel model = ClipModel.load(clip, new Engine(Engine.Options.defaults().withThreads(2)))) {
            image = model.imageFeatures(processor.preprocess(squashed));
            text = model.textFeatures(new LongTensor(new int[] {1, ids.length}, longIds));
            logitScale = model.logitScale();
        }
        return ClipFormulas.scores(image, text, logitScale);
    }
}
