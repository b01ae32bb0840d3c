package dev.dnnrun.language.ops.loss;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the loss operators with their since-versions (ONNX Changelog). */
public final class LossOperators {
    private LossOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("NegativeLogLikelihoodLoss", NegativeLogLikelihoodLoss.class, 12, 13, 22);
        r.register("SoftmaxCrossEntropyLoss", SoftmaxCrossEntropyLoss.class, 12, 13);
    }
}
