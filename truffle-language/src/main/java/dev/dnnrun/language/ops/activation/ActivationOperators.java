package dev.dnnrun.language.ops.activation;

import dev.dnnrun.language.ops.OperatorRegistry;

/** Registers the activation operators with their since-versions (ONNX Changelog). */
public final class ActivationOperators {
    private ActivationOperators() {
    }

    public static void register(OperatorRegistry r) {
    }
}
