package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the matrix-product operators (Gemm, MatMul, and dev.dnnrun's FusedMatMul) with their since-versions. */
public final class MatrixOperators {
    private MatrixOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("Gemm", Gemm.class, 1, 6, 7, 9, 11, 13);
        r.register("MatMul", MatMul.class, 1, 9, 13);
        r.register("dev.dnnrun", "FusedMatMul", FusedMatMul.class, 1);
    }
}
