package org.bivdiff.pipelines.p2p;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.models.clip.ClipTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Prompt-to-Prompt's word / token alignment with the real CLIP vocabulary of the fixture tokenizer. Token
 * positions count the start token; "schnauzer" is two tokens ("schnau", "zer"), every other word used here one.
 */
class TokenAlignmentTest {

    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = ClipTokenizer.load(Fixtures.root().resolve("models/tiny-sd15/tokenizer"));
    }

    @Test
    void wordIndicesCoverEveryOccurrenceAndEveryTokenOfAWord() {
        assertArrayEquals(new int[] {2}, TokenAlignment.wordIndices(tokenizer, "a cat sitting on a mat", "cat"));
        assertArrayEquals(new int[] {1, 5}, TokenAlignment.wordIndices(tokenizer, "a cat sitting on a mat", "a"));
        assertArrayEquals(new int[] {}, TokenAlignment.wordIndices(tokenizer, "a cat sitting on a mat", "dog"));
        assertArrayEquals(new int[] {2, 3}, TokenAlignment.wordIndices(tokenizer, "a schnauzer sitting", "schnauzer"));
        assertArrayEquals(new int[] {4}, TokenAlignment.wordIndices(tokenizer, "a schnauzer sitting", 2));
        // "cat's" is the tokens "cat" and "'s": lengths 3 + 2 cover the word's 5 characters
        assertArrayEquals(new int[] {2, 3}, TokenAlignment.wordIndices(tokenizer, "a cat's toy", "cat's"));
        assertArrayEquals(new int[] {4}, TokenAlignment.wordIndices(tokenizer, "a cat's toy", "toy"));
    }

    @Test
    void replacingOneTokenWordsIsTheIdentity() {
        float[] m = TokenAlignment.replacementMapper(tokenizer, "a cat sitting", "a dog sitting", 6);
        assertArrayEquals(rows(6, new int[][] {{0}, {1}, {2}, {3}, {4}, {5}}, 1f), m);
    }

    @Test
    void oneSourceTokenSpreadsOverTwoTargetTokensAndTheReferenceDiagonalQuirkIsKept() {
        float[] m = TokenAlignment.replacementMapper(tokenizer, "a cat sitting", "a schnauzer sitting", 6);
        float[] want = new float[36];
        want[0] = 1f;                       // bos
        want[6 + 1] = 1f;                   // a
        want[2 * 6 + 2] = 0.5f;             // cat -> schnau
        want[2 * 6 + 3] = 0.5f;             // cat -> zer
        // after the last replaced word the reference writes mapper[j, j], not mapper[i, j]:
        // source "sitting" (3) gets nothing, rows 4 and 5 their own diagonal
        want[4 * 6 + 4] = 1f;
        want[5 * 6 + 5] = 1f;
        assertArrayEquals(want, m);
    }

    @Test
    void twoSourceTokensOntoOneTargetToken() {
        float[] m = TokenAlignment.replacementMapper(tokenizer, "a schnauzer sitting", "a cat sitting", 6);
        assertArrayEquals(rows(6, new int[][] {{0}, {1}, {2}, {2, 3}, {4}, {}}, 1f), m);
    }

    @Test
    void replacementNeedsTheSameWordCount() {
        assertThrows(IllegalArgumentException.class,
                () -> TokenAlignment.replacementMapper(tokenizer, "a cat", "a white cat", 77));
    }

    @Test
    void refinementAlignsTheSharedTokensAndMarksAddedOnes() {
        TokenAlignment.Refinement r = TokenAlignment.refinementMapper(tokenizer, "A car is moving",
                "A white car is moving", 10);
        // y: bos a white car is moving eos | positions 7.. map to themselves
        assertArrayEquals(new int[] {0, 1, -1, 2, 3, 4, 5, 7, 8, 9}, r.mapper());
        assertArrayEquals(new float[] {1, 1, 0, 1, 1, 1, 1, 1, 1, 1}, r.alphas());
        TokenAlignment.Refinement appended = TokenAlignment.refinementMapper(tokenizer, "a car", "a car in snow", 8);
        // y: bos a car in snow eos: the end token aligns with the source's end token (3)
        assertArrayEquals(new int[] {0, 1, 2, -1, -1, 3, 6, 7}, appended.mapper());
        assertArrayEquals(new float[] {1, 1, 1, 0, 0, 1, 1, 1}, appended.alphas());
    }

    /** A (n, n) matrix with {@code value} at (row, each listed column). */
    private static float[] rows(int n, int[][] columns, float value) {
        float[] m = new float[n * n];
        for (int r = 0; r < columns.length; r++) {
            for (int c : columns[r]) {
                m[r * n + c] = value;
            }
        }
        return m;
    }
}
