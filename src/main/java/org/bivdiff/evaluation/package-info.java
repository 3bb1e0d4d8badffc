/**
 * The paper's automatic metrics and its ablation: CLIP textual alignment and frame consistency as the
 * LOVEU-TGVE 2023 benchmark computes them, score tables, the benchmark's folder layout, and the ablation of
 * bridging strategies and mixing ratios over shared stages.
 */
package org.bivdiff.evaluation;
