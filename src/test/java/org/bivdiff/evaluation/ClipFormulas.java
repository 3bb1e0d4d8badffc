package org.bivdiff.evaluation;

import org.bivdiff.tensor.Tensor;

/**
 * The clip_eval formulas written out from the model's features, for tests to check the library's numbers
 * against: textual alignment {@code mean_i exp(logit_scale) cos(image_i, text)}, frame consistency
 * {@code sum_{i != j} cos(image_i, image_j) / (F (F - 1))}, and the consecutive variant.
 */
public final class ClipFormulas {

    private ClipFormulas() {
    }

    /**
     * @param image (F, P) image features, not normalised
     * @param text  (1, P) the prompt's features
     * @return {textual alignment, frame consistency, consecutive frame consistency}
     */
    public static double[] scores(Tensor image, Tensor text, double logitScale) {
        int n = image.dim(0);
        double scale = Math.exp(logitScale);
        double alignment = 0;
        double pairs = 0;
        double consecutive = 0;
        for (int i = 0; i < n; i++) {
            alignment += scale * cosine(image, i, text, 0);
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    pairs += cosine(image, i, image, j);
                }
            }
            if (i + 1 < n) {
                consecutive += cosine(image, i, image, i + 1);
            }
        }
        return new double[] {alignment / n, pairs / (n * (n - 1.0)), consecutive / (n - 1)};
    }

    /** The cosine of row i of a and row j of b. */
    public static double cosine(Tensor a, int i, Tensor b, int j) {
        int p = a.dim(1);
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int k = 0; k < p; k++) {
            double x = a.data()[i * p + k];
            double y = b.data()[j * p + k];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return dot / Math.sqrt(na * nb);
    }
}
