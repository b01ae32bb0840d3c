package dev.dnnrun.language.nodes;

/**
 * Where operator families register the nodes that implement their operators. The families (in the packages under
 * {@code dev.dnnrun.language.ops}) see only this interface, so the registry that collects them can name them all
 * without the two depending on each other. A node class is registered by its class, not a constructor reference:
 * each reference would spin a class of its own at start-up (measured ~0.2 s for all of them without the JDK's
 * class-data sharing, which the Graal compiler's upgrade module path turns off); the registry finds the
 * {@code (GraphNode)} constructor of the operators a model uses.
 */
public interface OperatorTable {
    /** Registers an operator of {@code domain} ("" for ai.onnx), implemented in every opset from each since-version on. */
    void register(String domain, String opType, Class<? extends OpNode> node, int... sinceVersions);

    /** Registers an ai.onnx operator. */
    default void register(String opType, Class<? extends OpNode> node, int... sinceVersions) {
        register("", opType, node, sinceVersions);
    }
}
