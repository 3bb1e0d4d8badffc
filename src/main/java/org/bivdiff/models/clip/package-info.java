/**
 * CLIP: the BPE tokenizer, the text encoder (CLIPTextModel, Stable Diffusion's), the vision tower with its
 * projection (CLIPVisionModelWithProjection) and CLIPModel, both towers sharing one encoder layer.
 */
package org.bivdiff.models.clip;
