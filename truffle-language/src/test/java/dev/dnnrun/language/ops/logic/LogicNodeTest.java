package dev.dnnrun.language.ops.logic;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.dnnrun.language.ops.math.ElementwiseNodeTests;

/** ONNX backend node tests of the logic and comparison operators. */
class LogicNodeTest {
    @Test
    void comparisons() throws Exception {
        ElementwiseNodeTests.check(List.of(), "test_equal", "test_less", "test_greater", "test_less_equal",
                        "test_greater_equal");
    }

    @Test
    void logicAndWhere() throws Exception {
        ElementwiseNodeTests.check(List.of(), "test_and", "test_or", "test_xor", "test_not", "test_where");
    }
}
