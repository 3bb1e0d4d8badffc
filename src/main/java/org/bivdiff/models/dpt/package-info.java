/**
 * DPT-Hybrid (MiDaS v3 {@code dpt_hybrid}): transformers' {@code DPTForDepthEstimation} with {@code is_hybrid}, a
 * BiT backbone feeding a ViT, reassembled and fused into a depth map; loaded from a transformers folder or, through
 * {@link org.bivdiff.models.dpt.DptKeyMapping}, from the original MiDaS state dict.
 */
package org.bivdiff.models.dpt;
