package org.bivdiff.evaluation;

/**
 * The automatic metrics, each with the name it has in tables and files and its definition, printed with
 * every table so that a number is never read without knowing which formula made it.
 */
public enum Metric {

    /** showlab/loveu-tgve-2023 scripts/run_eval.py {@code clip_score_text}. */
    TEXTUAL_ALIGNMENT("clip_text_alignment", "CLIP text",
            "LOVEU-TGVE 2023 clip_score_text (scripts/run_eval.py): mean over frames of logits_per_image = "
                    + "exp(logit_scale) x cosine(image embedding, prompt embedding); about 100 x the cosine for "
                    + "openai/clip-vit-large-patch14"),
    /** showlab/loveu-tgve-2023 scripts/run_eval.py {@code clip_score_frame}. */
    FRAME_CONSISTENCY("clip_frame_consistency", "CLIP frames",
            "LOVEU-TGVE 2023 clip_score_frame (scripts/run_eval.py): mean cosine similarity of the projected "
                    + "image features over all ordered pairs of different frames"),
    /** The variant some papers report; not the benchmark's. */
    FRAME_CONSISTENCY_CONSECUTIVE("clip_frame_consistency_consecutive", "CLIP frames (consecutive)",
            "variant, not the LOVEU-TGVE definition: mean cosine similarity of the projected image features of "
                    + "consecutive frames (1-2, 2-3, ...)");

    private final String key;
    private final String header;
    private final String definition;

    Metric(String key, String header, String definition) {
        this.key = key;
        this.header = header;
        this.definition = definition;
    }

    /** The column and JSON name. */
    public String key() {
        return key;
    }

    /** The short column header of terminal and Markdown tables. */
    public String header() {
        return header;
    }

    /** What the number is, in one sentence. */
    public String definition() {
        return definition;
    }
}
