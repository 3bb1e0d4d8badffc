/** Pipelines: the denoising loop, guidance and the image pipelines built on the models, as numbered steps of shared helpers. */
package org.bivdiff.pipelines;
