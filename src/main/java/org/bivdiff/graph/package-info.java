/**
 * The ONNX graph DSL and the ONNX Runtime session layer: graphs are built in Java with weights as
 * external data pointing into safetensors files, then run on host {@link org.bivdiff.tensor.Tensor}s.
 */
package org.bivdiff.graph;
