/**
 * Prompt-to-Prompt editing on the image pipelines: the attention edits and local blend of BIVDiff's
 * Prompt2Prompt pipeline, the token alignment they rest on, and the pipeline that runs a source and an edited
 * prompt together.
 */
package org.bivdiff.pipelines.p2p;
