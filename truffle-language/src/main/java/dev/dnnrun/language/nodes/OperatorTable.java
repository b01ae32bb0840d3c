package dev.dnnrun.language.nodes;

import java.util.function.Function;

import dev.dnnrun.language.graph.GraphNode;

/**
 * Where operator families register the nodes that implement their operators. The families (in the packages under
 * {@code dev.dnnrun.language.ops}) see only this interface, so the registry that collects them can name them all
 * without the two depending on each other.
 */
public interface OperatorTable {
    /** Registers an operator of {@code domain} ("" for ai.onnx), implemented in every opset from each since-version on. */
    void register(String domain, String opType, Function<GraphNode, OpNode> factory, int... sinceVersions);

    /** Registers an ai.onnx operator. */
    default void register(String opType, Function<GraphNode, OpNode> factory, int... sinceVersions) {
        register("", opType, factory, sinceVersions);
    }
}
