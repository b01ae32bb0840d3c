package dev.dnnrun.language.ops.quant;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the quantization operators with their since-versions (ONNX Changelog). */
public final class QuantOperators {
    private QuantOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("QuantizeLinear", QuantizeLinear.class, 10, 13, 19, 21, 23, 24, 25, 28);
        r.register("DequantizeLinear", DequantizeLinear.class, 10, 13, 19, 21, 23, 24, 25, 28);
    }
}
