package org.bivdiff.graph;

import java.nio.file.Path;
import java.util.List;

import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * A finished graph, ready for a session.
 *
 * @param name        for messages and profiles
 * @param proto       the ONNX model; its weights are external data relative to {@code weightsRoot}
 * @param weightsRoot the folder external-data locations are relative to
 * @param inputs      input names in declaration order
 * @param outputs     output names in declaration order
 */
public record Model(String name, ModelProto proto, Path weightsRoot, List<String> inputs, List<String> outputs) {
}
