package dev.dnnrun.language.ops.nn;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the nn operators with their since-versions (ONNX Changelog). */
public final class NnOperators {
    private NnOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("Conv", Conv.class, 1, 11, 22);
        r.register("dev.dnnrun", "FusedConv", FusedConv.class, 1);
        r.register("MaxPool", MaxPool.class, 1, 8, 10, 11, 12, 22);
        r.register("AveragePool", AveragePool.class, 1, 7, 10, 11, 19, 22);
        r.register("GlobalAveragePool", GlobalAveragePool.class, 1, 22);
        r.register("GlobalMaxPool", GlobalMaxPool.class, 1, 22);
        r.register("BatchNormalization", BatchNormalization.class, 1, 6, 7, 9, 14, 15);
        r.register("ConvTranspose", ConvTranspose.class, 1, 11, 22);
        r.register("LRN", LRN.class, 1, 13);
        r.register("LayerNormalization", LayerNormalization.class, 17);
        r.register("RMSNormalization", RMSNormalization.class, 23);
        r.register("InstanceNormalization", InstanceNormalization.class, 1, 6, 22);
        r.register("Attention", Attention.class, 23, 24);
        r.register("Dropout", Dropout.class, 1, 6, 7, 10, 12, 13, 22);
    }
}
