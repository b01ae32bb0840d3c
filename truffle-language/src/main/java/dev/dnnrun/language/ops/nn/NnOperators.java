package dev.dnnrun.language.ops.nn;

import dev.dnnrun.language.ops.OperatorRegistry;

/** Registers the nn operators with their since-versions (ONNX Changelog). */
public final class NnOperators {
    private NnOperators() {
    }

    public static void register(OperatorRegistry r) {
    }
}
