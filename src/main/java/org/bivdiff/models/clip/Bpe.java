package org.bivdiff.models.clip;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair merging of one pre-tokenised, byte-encoded piece, as {@code CLIPTokenizer.bpe} in transformers'
 * tokenization_clip.py: the last symbol carries the {@code </w>} end-of-word marker, and the lowest-ranked
 * adjacent pair is merged everywhere, left to right, until no ranked pair is left. Results are cached.
 */
final class Bpe {

    static final String END_OF_WORD = "</w>";

    /** Beyond this many cached pieces the cache is cleared rather than grown (the reference cache is unbounded). */
    private static final int MAX_CACHE = 100_000;

    private final Map<String, Integer> ranks;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();
    private final Map<String, List<String>> unmerged;

    /**
     * @param ranks merge rank by pair, keyed {@code first + " " + second}
     * @param unmergedTokens pieces returned as they are (the reference seeds its cache with the special tokens)
     */
    Bpe(Map<String, Integer> ranks, Collection<String> unmergedTokens) {
        this.ranks = Map.copyOf(ranks);
        Map<String, List<String>> seeds = new ConcurrentHashMap<>();
        for (String t : unmergedTokens) {
            seeds.put(t, List.of(t));
        }
        this.unmerged = Map.copyOf(seeds);
    }

    /** The BPE symbols of one byte-encoded piece (non-empty). */
    List<String> apply(String token) {
        List<String> seeded = unmerged.get(token);
        if (seeded != null) {
            return seeded;
        }
        List<String> hit = cache.get(token);
        if (hit != null) {
            return hit;
        }
        List<String> result = List.copyOf(merge(token));
        if (cache.size() >= MAX_CACHE) {
            cache.clear();
        }
        cache.put(token, result);
        return result;
    }

    private List<String> merge(String token) {
        List<String> word = new ArrayList<>(token.length());
        for (int i = 0; i < token.length() - 1; i++) {
            word.add(String.valueOf(token.charAt(i)));
        }
        word.add(token.charAt(token.length() - 1) + END_OF_WORD);
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i < word.size() - 1; i++) {
                Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            word = mergePair(word, first, second);
        }
        return word;
    }

    private static List<String> mergePair(List<String> word, String first, String second) {
        List<String> merged = new ArrayList<>(word.size());
        int i = 0;
        while (i < word.size()) {
            if (i < word.size() - 1 && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                merged.add(first + second);
                i += 2;
            } else {
                merged.add(word.get(i));
                i += 1;
            }
        }
        return merged;
    }
}
