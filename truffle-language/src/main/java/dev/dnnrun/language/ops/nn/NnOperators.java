package dev.dnnrun.language.ops.nn;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the nn operators with their since-versions (ONNX Changelog). */
public final class NnOperators {
    private NnOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("Conv", Conv::new, 1, 11, 22);
        r.register("dev.dnnrun", "FusedConv", FusedConv::new, 1);
        r.register("MaxPool", MaxPool::new, 1, 8, 10, 11, 12, 22);
        r.register("AveragePool", AveragePool::new, 1, 7, 10, 11, 19, 22);
        r.register("GlobalAveragePool", GlobalAveragePool::new, 1, 22);
        r.register("GlobalMaxPool", GlobalMaxPool::new, 1, 22);
        r.register("BatchNormalization", BatchNormalization::new, 1, 6, 7, 9, 14, 15);
        r.register("ConvTranspose", ConvTranspose::new, 1, 11, 22);
        r.register("LRN", LRN::new, 1, 13);
        r.register("LayerNormalization", LayerNormalization::new, 17);
        r.register("RMSNormalization", RMSNormalization::new, 23);
        r.register("InstanceNormalization", InstanceNormalization::new, 1, 6, 22);
        r.register("Attention", Attention::new, 23, 24);
        r.register("Dropout", Dropout::new, 1, 6, 7, 10, 12, 13, 22);
    }
}
