package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.language.ops.OperatorRegistry;

/** Registers the reduce operators with their since-versions (ONNX Changelog). */
public final class ReduceOperators {
    private ReduceOperators() {
    }

    public static void register(OperatorRegistry r) {
    }
}
