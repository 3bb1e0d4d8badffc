/**
 * BIVDiff's three stages: frame-wise generation, mixed inversion and temporal smoothing, and the
 * pipeline composing them.
 */
package org.bivdiff.bivdiff;
