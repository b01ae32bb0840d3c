package dev.dnnrun.language.ops.logic;

import dev.dnnrun.language.ops.OperatorRegistry;

/** Registers the logic operators with their since-versions (ONNX Changelog). */
public final class LogicOperators {
    private LogicOperators() {
    }

    public static void register(OperatorRegistry r) {
    }
}
