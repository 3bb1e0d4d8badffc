package org.bivdiff.bench;

import java.util.LinkedHashMap;
import java.util.Map;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;

import org.bivdiff.graph.Model;

/**
 * Multiply-add FLOPs of a graph at given input shapes, counted node by node from the graph itself
 * (after {@link ShapeInference}), so the count cannot drift from the model. Only the ops that
 * matter are counted (a multiply-add is 2 FLOPs; elementwise ops, norms and softmax are left out):
 * <ul>
 *   <li>Conv: {@code 2 * Cin/groups * Cout * kh * kw * Hout * Wout * N}</li>
 *   <li>Gemm and MatMul: {@code 2 * M * K * N} per batch element</li>
 *   <li>MultiHeadAttention: {@code 2 * B * S * L * (heads * d_qk + heads * d_v)}, i.e.
 *       {@code 4 * S * L * d * heads * B}; causal attention is counted in full, as the kernel computes it</li>
 * </ul>
 */
public final class FlopCounter {

    /**
     * FLOPs by op type.
     *
     * @param byOp FLOPs per counted op type ({@code Conv}, {@code Gemm}, {@code MatMul}, {@code MultiHeadAttention})
     */
    public record Count(Map<String, Long> byOp) {
        public long total() {
            return byOp.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private FlopCounter() {
    }

    /** Counts {@code model}'s FLOPs for one call with inputs of these shapes. */
    public static Count count(Model model, Map<String, long[]> inputShapes) {
        GraphProto graph = model.proto().getGraph();
        Map<String, ShapeInference.Info> infos = ShapeInference.infer(graph, inputShapes);
        Map<String, Long> byOp = new LinkedHashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            long f = flops(n, infos);
            if (f > 0) {
                byOp.merge(n.getOpType(), f, Long::sum);
            }
        }
        return new Count(byOp);
    }

    private static long flops(NodeProto n, Map<String, ShapeInference.Info> infos) {
        return switch (n.getOpType()) {
            case "Conv" -> {
                ShapeInference.Info w = infos.get(n.getInput(1));
                long perOutput = 2L * w.dim(1);                          // Cin / groups
                for (int i = 2; i < w.rank(); i++) {
                    perOutput *= w.dim(i);
                }
                yield perOutput * infos.get(n.getOutput(0)).numel();    // N * Cout * Hout * Wout
            }
            case "Gemm" -> {
                ShapeInference.Info a = infos.get(n.getInput(0));
                long k = OnnxNodes.attr(n, "transA", 0) == 1 ? a.dim(0) : a.dim(1);
                yield 2L * k * infos.get(n.getOutput(0)).numel();
            }
            case "MatMul" -> 2L * infos.get(n.getInput(0)).dim(-1) * infos.get(n.getOutput(0)).numel();
            case "MultiHeadAttention" -> {
                ShapeInference.Info q = infos.get(n.getInput(0));
                ShapeInference.Info k = infos.get(n.getInput(1));
                ShapeInference.Info v = infos.get(n.getInput(2));
                yield 2L * q.dim(0) * q.dim(1) * k.dim(1) * (q.dim(2) + v.dim(2));
            }
            default -> 0L;
        };
    }
}
