package org.bivdiff.pipelines.p2p;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.models.clip.ClipTokenizer;

/**
 * Port of the word and token alignment helpers of BIVDiff models/Prompt2Prompt/pipeline_prompt2prompt.py
 * (Prompt-to-Prompt's ptp_utils / seq_aligner): which token positions a word of a prompt covers
 * ({@code get_word_inds}), the AttentionReplace mapper ({@code get_replacement_mapper_}) and the AttentionRefine
 * mapper and alphas ({@code get_mapper}, a global alignment of the two token sequences). Positions count the
 * start token, so the first word's first token is position 1. Quirks of the reference are kept on purpose and
 * noted where they are.
 */
final class TokenAlignment {

    /**
     * AttentionRefine's mapping of one edited prompt.
     *
     * @param mapper per edited-prompt position, the aligned source position, or -1 for a token the source lacks
     * @param alphas per edited-prompt position, 1 where the mapper has a source position, else 0
     */
    record Refinement(int[] mapper, float[] alphas) {
    }

    private TokenAlignment() {
    }

    /**
     * {@code get_word_inds(text, word)}: the token positions of every occurrence of {@code word} among the
     * space-separated words of {@code text} (exact, case-sensitive match), in order.
     */
    static int[] wordIndices(ClipTokenizer tokenizer, String text, String word) {
        String[] words = text.split(" ", -1);
        List<Integer> places = new ArrayList<>();
        for (int i = 0; i < words.length; i++) {
            if (words[i].equals(word)) {
                places.add(i);
            }
        }
        return wordIndices(tokenizer, text, places);
    }

    /** {@code get_word_inds(text, place)}: the token positions of the word at index {@code place}. */
    static int[] wordIndices(ClipTokenizer tokenizer, String text, int place) {
        return wordIndices(tokenizer, text, List.of(place));
    }

    /**
     * Walks the decoded tokens, summing their lengths until they cover the current word, then moves to the next
     * word. A word of {@code places} collects every token consumed while it is current.
     */
    private static int[] wordIndices(ClipTokenizer tokenizer, String text, List<Integer> places) {
        List<Integer> out = new ArrayList<>();
        if (!places.isEmpty()) {
            String[] words = text.split(" ", -1);
            List<String> tokens = tokenizer.tokenize(text);
            int curLen = 0;
            int ptr = 0;
            for (int i = 0; i < tokens.size(); i++) {
                curLen += decodedLength(tokenizer, tokens.get(i));
                if (places.contains(ptr)) {
                    out.add(i + 1);
                }
                if (ptr >= words.length) {
                    throw new IllegalArgumentException("the tokens of \"" + text + "\" run past its words");
                }
                if (curLen >= words[ptr].codePointCount(0, words[ptr].length())) {
                    ptr++;
                    curLen = 0;
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Length of {@code tokenizer.decode([id]).strip("#")}, in characters. */
    private static int decodedLength(ClipTokenizer tokenizer, String token) {
        String s = tokenizer.decodeToken(token).replaceAll("^#+|#+$", "");
        return s.codePointCount(0, s.length());
    }

    /**
     * {@code get_replacement_mapper_(x, y)}: an (maxLen, maxLen) matrix taking source positions to edited
     * positions. Prompts must have the same number of words; each differing word maps its source tokens to its
     * edited tokens (one to one when the counts agree, else each source token spread evenly over the edited
     * ones); the other positions map to themselves. After the last differing word the reference writes
     * {@code mapper[j, j]} instead of {@code mapper[i, j]}; kept.
     *
     * @return row-major (maxLen * maxLen)
     */
    static float[] replacementMapper(ClipTokenizer tokenizer, String x, String y, int maxLen) {
        String[] wordsX = x.split(" ", -1);
        String[] wordsY = y.split(" ", -1);
        if (wordsX.length != wordsY.length) {
            throw new IllegalArgumentException("attention replacement edit can only be applied on prompts with the"
                    + " same length but prompt A has " + wordsX.length + " words and prompt B has " + wordsY.length
                    + " words.");
        }
        List<int[]> source = new ArrayList<>();
        List<int[]> target = new ArrayList<>();
        for (int w = 0; w < wordsY.length; w++) {
            if (!wordsY[w].equals(wordsX[w])) {
                source.add(wordIndices(tokenizer, x, w));
                target.add(wordIndices(tokenizer, y, w));
            }
        }
        float[] mapper = new float[maxLen * maxLen];
        int i = 0;
        int j = 0;
        int cur = 0;
        while (i < maxLen && j < maxLen) {
            if (cur < source.size() && first(source.get(cur), x) == i) {
                int[] s = source.get(cur);
                int[] t = target.get(cur);
                if (s.length == t.length) {
                    for (int k = 0; k < s.length; k++) {
                        set(mapper, maxLen, s[k], t[k], 1f);
                    }
                } else {
                    float ratio = (float) (1.0 / t.length);
                    for (int it : t) {
                        for (int is : s) {
                            set(mapper, maxLen, is, it, ratio);
                        }
                    }
                }
                cur++;
                i += s.length;
                j += t.length;
            } else if (cur < source.size()) {
                set(mapper, maxLen, i++, j++, 1f);
            } else {
                set(mapper, maxLen, j, j, 1f);
                i++;
                j++;
            }
        }
        return mapper;
    }

    private static int first(int[] positions, String text) {
        if (positions.length == 0) {
            throw new IllegalArgumentException("a replaced word of \"" + text + "\" covers no token");
        }
        return positions[0];
    }

    private static void set(float[] m, int n, int row, int col, float v) {
        if (row < 0 || row >= n || col < 0 || col >= n) {
            throw new IllegalArgumentException("token position " + Math.max(row, col) + " beyond " + n + " tokens");
        }
        m[row * n + col] = v;
    }

    /**
     * {@code get_mapper(x, y)}: aligns the token ids of both prompts (start and end tokens included) with
     * Needleman-Wunsch (gap 0, match 1, mismatch -1; ties prefer left, then up, then diagonal, as the reference's
     * traceback does). Positions past the edited prompt map to themselves with alpha 1.
     */
    static Refinement refinementMapper(ClipTokenizer tokenizer, String x, String y, int maxLen) {
        int[] xs = ids(tokenizer, x);
        int[] ys = ids(tokenizer, y);
        if (ys.length > maxLen) {
            throw new IllegalArgumentException("\"" + y + "\" has " + ys.length + " tokens, more than " + maxLen);
        }
        int[] yToX = alignYToX(xs, ys);
        int[] mapper = new int[maxLen];
        float[] alphas = new float[maxLen];
        for (int p = 0; p < maxLen; p++) {
            mapper[p] = p < ys.length ? yToX[p] : p;
            alphas[p] = p < ys.length && yToX[p] == -1 ? 0f : 1f;
        }
        return new Refinement(mapper, alphas);
    }

    /** {@code tokenizer.encode(text)}: start token, the text's tokens, end token; no padding or truncation. */
    private static int[] ids(ClipTokenizer tokenizer, String text) {
        List<String> tokens = tokenizer.tokenize(text);
        int[] ids = new int[tokens.size() + 2];
        ids[0] = tokenizer.bosTokenId();
        for (int i = 0; i < tokens.size(); i++) {
            ids[i + 1] = tokenizer.tokenToId(tokens.get(i));
        }
        ids[ids.length - 1] = tokenizer.eosTokenId();
        return ids;
    }

    /** {@code global_align} + {@code get_aligned_sequences}: for each position of y, its x position or -1. */
    private static int[] alignYToX(int[] x, int[] y) {
        int[][] score = new int[x.length + 1][y.length + 1];
        int[][] trace = new int[x.length + 1][y.length + 1];
        for (int j = 1; j <= y.length; j++) {
            trace[0][j] = 1;
        }
        for (int i = 1; i <= x.length; i++) {
            trace[i][0] = 2;
        }
        trace[0][0] = 4;
        for (int i = 1; i <= x.length; i++) {
            for (int j = 1; j <= y.length; j++) {
                int left = score[i][j - 1];
                int up = score[i - 1][j];
                int diag = score[i - 1][j - 1] + (x[i - 1] == y[j - 1] ? 1 : -1);
                score[i][j] = Math.max(left, Math.max(up, diag));
                trace[i][j] = score[i][j] == left ? 1 : score[i][j] == up ? 2 : 3;
            }
        }
        int[] yToX = new int[y.length];
        int i = x.length;
        int j = y.length;
        while ((i > 0 || j > 0) && trace[i][j] != 4) {
            switch (trace[i][j]) {
                case 3 -> yToX[--j] = --i;
                case 1 -> yToX[--j] = -1;
                default -> i--;
            }
        }
        return yToX;
    }
}
