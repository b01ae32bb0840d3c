package dev.dnnrun.language.ops.math;

import java.util.List;

import org.junit.jupiter.api.Test;

/** ONNX backend node tests of the math operators. */
class MathNodeTest {
    @Test
    void arithmetic() throws Exception {
        ElementwiseNodeTests.check(List.of(), "test_add", "test_sub", "test_mul", "test_div", "test_pow", "test_mod");
    }

    @Test
    void variadic() throws Exception {
        ElementwiseNodeTests.check(List.of(), "test_sum", "test_mean", "test_max", "test_min");
    }

    @Test
    void unary() throws Exception {
        ElementwiseNodeTests.check(List.of(), "test_sqrt", "test_exp", "test_log", "test_erf", "test_neg", "test_abs",
                        "test_reciprocal", "test_floor", "test_ceil", "test_round", "test_sign", "test_sin", "test_cos",
                        "test_tan", "test_asin", "test_acos", "test_atan", "test_sinh", "test_cosh", "test_asinh",
                        "test_acosh", "test_atanh", "test_isnan", "test_isinf", "test_bitshift");
    }

    @Test
    void clip() throws Exception {
        ElementwiseNodeTests.check(List.of(), "test_clip");
    }
}
