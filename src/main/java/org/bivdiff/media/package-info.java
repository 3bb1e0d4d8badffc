/** Media: images and videos in and out, frame sampling, grids, CLIP's image processor, and the condition annotators (Canny) the image models take. */
package org.bivdiff.media;
