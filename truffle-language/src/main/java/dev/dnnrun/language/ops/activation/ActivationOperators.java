package dev.dnnrun.language.ops.activation;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the activation operators with their since-versions (ONNX Changelog). */
public final class ActivationOperators {
    private ActivationOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("Relu", Relu::new, 1, 6, 13, 14);
        r.register("LeakyRelu", LeakyRelu::new, 1, 6, 16);
        r.register("PRelu", PRelu::new, 1, 6, 7, 9, 16);
        r.register("Sigmoid", Sigmoid::new, 1, 6, 13);
        r.register("Tanh", Tanh::new, 1, 6, 13);
        r.register("HardSigmoid", HardSigmoid::new, 1, 6, 22);
        r.register("HardSwish", HardSwish::new, 14, 22);
        r.register("Softmax", Softmax::new, 1, 11, 13);
        r.register("LogSoftmax", LogSoftmax::new, 1, 11, 13);
        r.register("Hardmax", Hardmax::new, 1, 11, 13);
        r.register("Elu", Elu::new, 1, 6, 22);
        r.register("Selu", Selu::new, 1, 6, 22);
        r.register("Celu", Celu::new, 12, 28);
        r.register("Softplus", Softplus::new, 1, 22);
        r.register("Softsign", Softsign::new, 1, 22);
        r.register("Gelu", Gelu::new, 20);
        r.register("Mish", Mish::new, 18, 22);
        r.register("ThresholdedRelu", ThresholdedRelu::new, 10, 22);
    }
}
