/**
 * Host tensors: {@link org.bivdiff.tensor.Tensor} (float32) and {@link org.bivdiff.tensor.LongTensor} (int64),
 * dense and in C order. The lowest package: every other one, {@code io} included, builds on it and it imports
 * nothing of theirs.
 */
package org.bivdiff.tensor;
