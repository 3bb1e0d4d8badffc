/**
 * The networks, each built as an ONNX graph from its diffusers {@code config.json} and loaded
 * strictly from its safetensors keys; {@link org.bivdiff.models.Weights} is the scoped view they
 * load through.
 */
package org.bivdiff.models;
