package dev.dnnrun.language.ops.tensor;

import dev.dnnrun.language.ops.OperatorRegistry;

/** Registers the tensor operators with their since-versions (ONNX Changelog). */
public final class TensorOperators {
    private TensorOperators() {
    }

    public static void register(OperatorRegistry r) {
    }
}
