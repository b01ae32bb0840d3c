package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.ops.OperatorRegistry;

/** Registers the math operators with their since-versions (ONNX Changelog). */
public final class MathOperators {
    private MathOperators() {
    }

    public static void register(OperatorRegistry r) {
    }
}
