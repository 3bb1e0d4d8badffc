package org.bivdiff.evaluation;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.bivdiff.graph.Engine;
import org.bivdiff.media.ClipImageProcessor;
import org.bivdiff.media.Image8;
import org.bivdiff.media.Resize;
import org.bivdiff.models.clip.ClipModel;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.pipelines.ProgressListener;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;

/**
 * The CLIP metrics of the LOVEU-TGVE 2023 benchmark exactly as showlab/loveu-tgve-2023 scripts/run_eval.py
 * computes them with {@code openai/clip-vit-large-patch14}, and the consecutive-frames variant:
 * <ol>
 *   <li>every frame is squashed to 480 x 480 with Pillow's default {@code Image.resize} filter (bicubic in
 *       Pillow 9.4), whatever its aspect ratio;</li>
 *   <li>CLIP's image processor makes the pixel values ({@link ClipImageProcessor}); the prompt is tokenised
 *       without truncation or padding ({@link ClipTokenizer#encodeUnpadded});</li>
 *   <li>textual alignment ({@code clip_score_text}) is the mean over frames of {@code logits_per_image}, that
 *       is {@code exp(logit_scale)} times the cosine of image and prompt embedding;</li>
 *   <li>frame consistency ({@code clip_score_frame}) is scikit-learn's {@code cosine_similarity} of the
 *       projected image features with the diagonal set to 0, summed and divided by {@code F (F - 1)}: the mean
 *       over all ordered pairs of different frames. The consecutive variant averages pairs (i, i + 1) only.</li>
 * </ol>
 * The reference sums in float32; the means here are taken in double (a difference far below the tolerance
 * of the {@code clip_eval} case, which checks every quantity above).
 */
public final class ClipMetrics implements AutoCloseable {

    /** run_eval.py's {@code width, height = 480, 480}. */
    public static final int LOVEU_SQUASH_SIZE = 480;
    /** Frames per vision-model call: bounds activation memory for long clips. */
    private static final int FRAMES_PER_CALL = 8;

    private final ClipModel model;
    private final ClipTokenizer tokenizer;
    private final ClipImageProcessor processor;
    private final int squashWidth;
    private final int squashHeight;

    /**
     * @param squashWidth  the width every frame is resized to first (480 in the protocol)
     * @param squashHeight the height, likewise
     */
    public ClipMetrics(ClipModel model, ClipTokenizer tokenizer, ClipImageProcessor processor, int squashWidth,
                       int squashHeight) {
        if (squashWidth <= 0 || squashHeight <= 0) {
            throw new IllegalArgumentException("squash size must be positive, got " + squashWidth + "x" + squashHeight);
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.processor = processor;
        this.squashWidth = squashWidth;
        this.squashHeight = squashHeight;
    }

    /**
     * The protocol with the model, image processor and tokenizer of a transformers CLIP folder
     * ({@code openai/clip-vit-large-patch14} holds all three).
     *
     * @param tokenizer the tokenizer folder: {@code clip} itself for a hub CLIP folder
     */
    public static ClipMetrics load(Path clip, Path tokenizer, Engine engine) throws IOException {
        ClipTokenizer tok = ClipTokenizer.load(tokenizer);
        ClipImageProcessor processor = ClipImageProcessor.read(clip);
        return new ClipMetrics(ClipModel.load(clip, engine), tok, processor, LOVEU_SQUASH_SIZE, LOVEU_SQUASH_SIZE);
    }

    public ClipModel model() {
        return model;
    }

    /**
     * Every quantity of the protocol for one video.
     *
     * @param inputIds     the prompt's ids (all attended: the mask is all ones)
     * @param pixelValues  (F, 3, S, S) the processed frames
     * @param clip         {@code CLIPModel}'s outputs: logits (F, 1), normalised embeddings, image features (F, P)
     * @param cosineMatrix (F, F) cosine similarities of the image features, diagonal 0
     * @param scores       the metrics
     */
    public record Evaluation(LongTensor inputIds, Tensor pixelValues, ClipModel.Output clip, Tensor cosineMatrix,
                             Scores scores) {
    }

    /**
     * A video to score, read when its turn comes.
     *
     * @param name   its row name
     * @param extra  further columns of its row
     * @param prompt the prompt it is scored against
     * @param source where its frames come from, for the table
     * @param frames reads the frames
     */
    public record Video(String name, Map<String, String> extra, String prompt, String source, Frames frames) {
    }

    /** Reads a video's frames. */
    @FunctionalInterface
    public interface Frames {
        List<Image8> read() throws IOException;
    }

    /** Scores each video in turn into {@code table}, one progress event per video. */
    public void scoreInto(ScoreTable table, List<Video> videos, ProgressListener progress) throws IOException {
        long start = System.nanoTime();
        for (int i = 0; i < videos.size(); i++) {
            Video v = videos.get(i);
            Scores scores;
            try {
                scores = score(v.frames().read(), v.prompt());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(v.name() + ": " + e.getMessage(), e);
            }
            table.add(new ScoreTable.Row(v.name(), v.extra(), v.prompt(), v.source(), scores));
            progress.onStep(new ProgressListener.Progress("CLIP scores", i + 1, videos.size(), Double.NaN,
                    Duration.ofNanos(System.nanoTime() - start)));
        }
    }

    /** The scores of {@code frames} (RGB, any size, in order) against {@code prompt}. */
    public Scores score(List<Image8> frames, String prompt) {
        return evaluate(frames, prompt).scores();
    }

    /** The scores and every intermediate quantity. */
    public Evaluation evaluate(List<Image8> frames, String prompt) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("no frames to score");
        }
        // 1. Squash to 480 x 480 (Image.resize's default filter), then CLIP's image processor
        List<Image8> squashed = new ArrayList<>(frames.size());
        for (Image8 frame : frames) {
            squashed.add(Resize.resize(frame.toRgb(), squashWidth, squashHeight, Resize.Filter.BICUBIC));
        }
        Tensor pixelValues = processor.preprocess(squashed);
        // 2. The prompt, neither truncated nor padded
        LongTensor inputIds = promptIds(prompt);
        // 3. Both towers; frames in chunks, each frame's features independent of the others
        List<Tensor> features = new ArrayList<>();
        for (int i = 0; i < frames.size(); i += FRAMES_PER_CALL) {
            features.add(model.imageFeatures(pixelValues.slice0(i, Math.min(frames.size(), i + FRAMES_PER_CALL))));
        }
        ClipModel.Output clip = model.logits(model.textFeatures(inputIds), Tensor.concat0(features));
        // 4. The metrics
        Tensor cosine = cosineMatrix(clip.imageFeatures());
        Scores scores = new Scores(mean(clip.logitsPerImage().data()), pairMean(cosine, false), pairMean(cosine, true),
                frames.size());
        return new Evaluation(inputIds, pixelValues, clip, cosine, scores);
    }

    private LongTensor promptIds(String prompt) {
        int[] ids = tokenizer.encodeUnpadded(prompt);
        int max = model.config().text().maxPositionEmbeddings();
        if (ids.length > max) {
            throw new IllegalArgumentException("the prompt \"" + prompt + "\" is " + ids.length + " tokens long with "
                    + "its start and end tokens; CLIP's text encoder takes at most " + max + ", and the protocol "
                    + "(run_eval.py) does not truncate: shorten the prompt");
        }
        long[] data = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            data[i] = ids[i];
        }
        return new LongTensor(new int[] {1, ids.length}, data);
    }

    /**
     * scikit-learn's {@code cosine_similarity(features)} with {@code np.fill_diagonal(m, 0)}: rows divided by
     * their L2 norm (a zero row by 1, as {@code sklearn.preprocessing.normalize} does), then all dot products.
     *
     * @param features (F, P)
     * @return (F, F)
     */
    public static Tensor cosineMatrix(Tensor features) {
        int f = features.dim(0);
        int p = features.dim(1);
        double[] unit = new double[f * p];
        for (int i = 0; i < f; i++) {
            double sum = 0;
            for (int k = 0; k < p; k++) {
                double v = features.data()[i * p + k];
                sum += v * v;
            }
            double norm = sum == 0 ? 1 : Math.sqrt(sum);
            for (int k = 0; k < p; k++) {
                unit[i * p + k] = features.data()[i * p + k] / norm;
            }
        }
        float[] out = new float[f * f];
        for (int i = 0; i < f; i++) {
            for (int j = 0; j < f; j++) {
                if (i != j) {
                    double dot = 0;
                    for (int k = 0; k < p; k++) {
                        dot += unit[i * p + k] * unit[j * p + k];
                    }
                    out[i * f + j] = (float) dot;
                }
            }
        }
        return Tensor.of(out, f, f);
    }

    /**
     * The mean of the off-diagonal cosines: over all ordered pairs ({@code sum / (F (F - 1))}, run_eval.py), or
     * over the consecutive pairs (i, i + 1). NaN for a single frame, as the reference's 0 / 0.
     */
    private static double pairMean(Tensor cosine, boolean consecutive) {
        int f = cosine.dim(0);
        if (f < 2) {
            return Double.NaN;
        }
        double sum = 0;
        if (consecutive) {
            for (int i = 0; i + 1 < f; i++) {
                sum += cosine.data()[i * f + i + 1];
            }
            return sum / (f - 1);
        }
        for (float v : cosine.data()) {
            sum += v;
        }
        return sum / ((double) f * (f - 1));
    }

    private static double mean(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    @Override
    public void close() {
        model.close();
    }
}
