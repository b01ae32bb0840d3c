package dev.dnnrun.language.ops.activation;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.dnnrun.language.ops.math.ElementwiseNodeTests;

/** ONNX backend node tests of the activation operators. */
class ActivationNodeTest {
    @Test
    void pointwise() throws Exception {
        ElementwiseNodeTests.check(List.of(), "test_relu", "test_leakyrelu", "test_prelu", "test_sigmoid", "test_tanh",
                        "test_hardsigmoid", "test_hardswish", "test_elu", "test_selu", "test_celu", "test_softplus",
                        "test_softsign", "test_gelu", "test_mish", "test_thresholdedrelu");
    }

    @Test
    void softmaxFamily() throws Exception {
        ElementwiseNodeTests.check(List.of(), "test_softmax", "test_logsoftmax", "test_hardmax");
    }
}
