/**
 * BIVDiff's three stages: frame-wise generation, mixed inversion and temporal smoothing, and the
 * pipeline composing them; the catalogue of image-model tasks ({@link org.bivdiff.bivdiff.Task}) with their
 * defaults, and {@link org.bivdiff.bivdiff.Bivdiff}, which runs one in a few lines.
 */
package org.bivdiff.bivdiff;
