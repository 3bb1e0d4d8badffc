/**
 * Models as users have them: the Hugging Face cache ({@code models--org--name/blobs, refs, snapshots}),
 * shared with Python tools, downloads from the Hub into it, and model ids wherever a model folder is
 * accepted. Sits with {@code io}: it only moves files.
 */
package org.bivdiff.io.hub;
