/**
 * The bf16 prototype, built only with {@code mvn -Pbf16-prototype}: SD 1.5's heaviest ops on oneDNN's bf16
 * primitives (prepacked weights, blocked layouts) timed in one process beside the same ops on ONNX Runtime's
 * fp32 kernels, with their error against float64. Not part of the library; docs/engine.md records the figures.
 */
package org.bivdiff.prototype;
