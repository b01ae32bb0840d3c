package dev.dnnrun.language.ops.activation;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the activation operators with their since-versions (ONNX Changelog). */
public final class ActivationOperators {
    private ActivationOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("Relu", Relu.class, 1, 6, 13, 14);
        r.register("LeakyRelu", LeakyRelu.class, 1, 6, 16);
        r.register("PRelu", PRelu.class, 1, 6, 7, 9, 16);
        r.register("Sigmoid", Sigmoid.class, 1, 6, 13);
        r.register("Tanh", Tanh.class, 1, 6, 13);
        r.register("HardSigmoid", HardSigmoid.class, 1, 6, 22);
        r.register("HardSwish", HardSwish.class, 14, 22);
        r.register("Softmax", Softmax.class, 1, 11, 13);
        r.register("LogSoftmax", LogSoftmax.class, 1, 11, 13);
        r.register("Hardmax", Hardmax.class, 1, 11, 13);
        r.register("Elu", Elu.class, 1, 6, 22);
        r.register("Selu", Selu.class, 1, 6, 22);
        r.register("Celu", Celu.class, 12, 28);
        r.register("Softplus", Softplus.class, 1, 22);
        r.register("Softsign", Softsign.class, 1, 22);
        r.register("Gelu", Gelu.class, 20);
        r.register("Mish", Mish.class, 18, 22);
        r.register("ThresholdedRelu", ThresholdedRelu.class, 10, 22);
    }
}
