/** The CLIP text side: BPE tokenizer and the CLIPTextModel encoder. */
package org.bivdiff.models.clip;
