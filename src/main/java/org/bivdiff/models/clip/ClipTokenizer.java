package org.bivdiff.models.clip;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Port of transformers' slow {@code CLIPTokenizer} (models/clip/tokenization_clip.py, 4.31) as Stable Diffusion
 * pipelines call it: {@code tokenizer(text, padding="max_length", max_length=model_max_length, truncation=True)}.
 *
 * <p>Steps of {@link #encode}: special tokens written in the text are split out first (transformers' added-tokens
 * trie; every special token of the folder, so with SD 2.x's pad token {@code "!"} each {@code '!'} becomes id 0);
 * each remaining chunk is cleaned ({@link Normalization}), cut into pieces by CLIP's regex, byte-encoded and
 * BPE-merged; ids are {@code [bos] + ids[:max - 2] + [eos]}, right-padded with the pad token. Instances are
 * immutable and thread-safe.
 */
public final class ClipTokenizer {

    /** CLIP's pre-tokenisation pattern ({@code self.pat}, compiled with {@code re.IGNORECASE}). */
    private static final Pattern PIECES = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    private final TokenizerFiles files;
    private final Normalization normalization;
    private final Bpe bpe;
    /** Tokens never split, longest first so that the longest match at a position wins. */
    private final List<String> noSplitTokens;
    private final int bosTokenId;
    private final int eosTokenId;
    private final int padTokenId;
    private final int unkTokenId;

    private ClipTokenizer(TokenizerFiles files, Normalization normalization) {
        this.files = files;
        this.normalization = normalization;
        // The reference seeds its BPE cache with the two CLIP specials, so they pass through unmerged.
        this.bpe = new Bpe(files.mergeRanks(), List.of("<|startoftext|>", "<|endoftext|>"));
        Set<String> specials = new LinkedHashSet<>(files.specialTokens().values());
        specials.addAll(files.additionalSpecialTokens());
        specials.remove("");
        this.noSplitTokens = specials.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        this.bosTokenId = files.vocab().get(files.specialTokens().get("bos_token"));
        this.eosTokenId = files.vocab().get(files.specialTokens().get("eos_token"));
        this.padTokenId = files.vocab().get(files.specialTokens().get("pad_token"));
        this.unkTokenId = files.vocab().get(files.specialTokens().get("unk_token"));
    }

    /**
     * Loads the tokenizer in {@code folder} ({@code vocab.json}, {@code merges.txt} and, if present,
     * {@code tokenizer_config.json} and {@code special_tokens_map.json}) with ftfy normalisation.
     *
     * @throws TokenizerFileException if a required file is missing or any file is malformed; the message names
     *     the file and the problem
     */
    public static ClipTokenizer load(Path folder) throws TokenizerFileException {
        return load(folder, Normalization.FTFY);
    }

    /** As {@link #load(Path)}, choosing the text normalisation. */
    public static ClipTokenizer load(Path folder, Normalization normalization) throws TokenizerFileException {
        return new ClipTokenizer(TokenizerFiles.read(folder), normalization);
    }

    /**
     * Tokenises {@code text} to exactly {@link #maxLength()} ids.
     *
     * @return the padded ids with the untruncated BPE tokens and how many were cut
     */
    public Encoding encode(String text) {
        List<String> tokens = tokenize(text);
        int max = maxLength();
        int kept = Math.min(tokens.size(), max - 2);
        int[] ids = new int[max];
        Arrays.fill(ids, padTokenId);
        ids[0] = bosTokenId;
        for (int i = 0; i < kept; i++) {
            ids[i + 1] = files.vocab().getOrDefault(tokens.get(i), unkTokenId);
        }
        ids[kept + 1] = eosTokenId;
        return new Encoding(ids, tokens, tokens.size() + 2, tokens.size() - kept);
    }

    /**
     * One text as CLIPProcessor tokenises it for CLIP scores ({@code processor(text=[text], padding=True)}, as
     * LOVEU-TGVE's scripts/run_eval.py calls it): {@code [bos] + every token + [eos]}, not truncated and, for a
     * single text, not padded; its attention mask is all ones. Longer than {@link #maxLength()} when the text is.
     */
    public int[] encodeUnpadded(String text) {
        List<String> tokens = tokenize(text);
        int[] ids = new int[tokens.size() + 2];
        ids[0] = bosTokenId;
        for (int i = 0; i < tokens.size(); i++) {
            ids[i + 1] = files.vocab().getOrDefault(tokens.get(i), unkTokenId);
        }
        ids[ids.length - 1] = eosTokenId;
        return ids;
    }

    /** transformers' {@code tokenize}: the BPE tokens of {@code text}, special tokens included, nothing added. */
    public List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            String special = specialAt(text, i);
            if (special == null) {
                i++;
                continue;
            }
            bpeChunk(text.substring(start, i), tokens);
            tokens.add(special);
            i += special.length();
            start = i;
        }
        bpeChunk(text.substring(start), tokens);
        return tokens;
    }

    private String specialAt(String text, int pos) {
        for (String t : noSplitTokens) {
            if (text.startsWith(t, pos)) {
                return t;
            }
        }
        return null;
    }

    /** {@code CLIPTokenizer._tokenize} of one chunk between special tokens. */
    private void bpeChunk(String chunk, List<String> out) {
        if (chunk.isEmpty()) {
            return;
        }
        String clean = switch (normalization) {
            case FTFY -> TextNormalizer.normalize(chunk);
            case BASIC -> BasicNormalizer.normalize(chunk);
        };
        Matcher m = PIECES.matcher(clean);
        while (m.find()) {
            out.addAll(bpe.apply(ByteUnicode.encode(m.group())));
        }
    }

    /**
     * transformers' {@code decode} of one token: its bytes as text, the end-of-word marker {@code </w>} as a
     * space, stripped. (The decode's {@code clean_up_tokenization} only removes spaces before punctuation, and
     * one stripped token has none.)
     *
     * @param bpeToken a token as {@link #tokenize} gives it, e.g. {@code "cat</w>"}
     */
    public String decodeToken(String bpeToken) {
        return ByteUnicode.decode(bpeToken).replace("</w>", " ").strip();
    }

    /** Id of {@code token} in the vocabulary, or the unknown token's id. */
    public int tokenToId(String token) {
        return files.vocab().getOrDefault(token, unkTokenId);
    }

    /** Number of entries in {@code vocab.json}. */
    public int vocabSize() {
        return files.vocab().size();
    }

    /** Id of the beginning-of-sequence token ({@code <|startoftext|>} = 49406 in CLIP). */
    public int bosTokenId() {
        return bosTokenId;
    }

    /** Id of the end-of-sequence token ({@code <|endoftext|>} = 49407 in CLIP). */
    public int eosTokenId() {
        return eosTokenId;
    }

    /** Id of the padding token: 49407 ({@code <|endoftext|>}) for SD 1.x, 0 ({@code !}) for SD 2.x / ZeroScope. */
    public int padTokenId() {
        return padTokenId;
    }

    /** Length of every encoding, {@code model_max_length} (77 for CLIP). */
    public int maxLength() {
        return files.modelMaxLength();
    }

    /** The text normalisation in use. */
    public Normalization normalization() {
        return normalization;
    }

    /**
     * One tokenised prompt.
     *
     * @param inputIds {@code maxLength} ids: bos, the kept tokens, eos, then padding
     * @param bpeTokens every BPE token of the text, before truncation, without bos/eos
     * @param untruncatedLength {@code bpeTokens().size() + 2}
     * @param truncatedTokens how many BPE tokens did not fit (0 if none)
     */
    public record Encoding(int[] inputIds, List<String> bpeTokens, int untruncatedLength, int truncatedTokens) {

        /** Copies its arguments. */
        public Encoding {
            inputIds = inputIds.clone();
            bpeTokens = List.copyOf(bpeTokens);
        }

        /** A copy of the ids. */
        @Override
        public int[] inputIds() {
            return inputIds.clone();
        }

        /** The ids widened to {@code long}, as ONNX Runtime's int64 {@code input_ids} wants them. */
        public long[] inputIdsAsLong() {
            return Arrays.stream(inputIds).asLongStream().toArray();
        }

        /** Whether tokens were cut to fit. */
        public boolean truncated() {
            return truncatedTokens > 0;
        }

        /** Equal when all ids, tokens and counts are equal (records compare arrays by identity otherwise). */
        @Override
        public boolean equals(Object o) {
            return o instanceof Encoding e && Arrays.equals(inputIds, e.inputIds) && bpeTokens.equals(e.bpeTokens)
                    && untruncatedLength == e.untruncatedLength && truncatedTokens == e.truncatedTokens;
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(inputIds) + bpeTokens.hashCode();
        }

        @Override
        public String toString() {
            return "Encoding[inputIds=" + Arrays.toString(inputIds) + ", bpeTokens=" + bpeTokens
                    + ", untruncatedLength=" + untruncatedLength + ", truncatedTokens=" + truncatedTokens + "]";
        }
    }
}
