/**
 * Pipelines: the denoising loop, guidance and the image pipelines built on the models, as numbered steps of shared
 * helpers ({@link org.bivdiff.pipelines.PipelineSteps}). Prompt-to-Prompt editing is in
 * {@link org.bivdiff.pipelines.p2p}.
 */
package org.bivdiff.pipelines;
