package org.bivdiff.models.clip;

/** How {@link ClipTokenizer} cleans text before BPE, i.e. which environment of transformers it reproduces. */
public enum Normalization {
    /** ftfy installed (the usual setup): {@code whitespace_clean(ftfy.fix_text(text)).lower()}. */
    FTFY,
    /**
     * ftfy missing, transformers 4.30: {@code " ".join(BasicTokenizer(do_lower_case=True).tokenize(text))},
     * i.e. lower-case, strip accents, split off punctuation and put spaces around CJK ideographs.
     */
    BASIC
}
