package dev.dnnrun.accel.backends.cuda;

/**
 * The cuBLAS (column-major) arguments for a row-major product {@code y[M,N] = op(a)[M,K] * op(b)[K,N]}, computed
 * as {@code y^T = op(b)^T * op(a)^T}: the first cuBLAS operand is b's buffer, the second a's. A row-major buffer of
 * r x c read column-major with leading dimension c is the c x r transpose, which is why no data moves.
 */
record GemmCall(int opFirst, int opSecond, int m, int n, int k, int ldFirst, int ldSecond, int ldc) {

    /** For row-major a (M x K, or K x M when transA) and b (K x N, or N x K when transB). */
    static GemmCall rowMajor(long rows, long cols, long inner, boolean transA, boolean transB) {
        int m = toInt(rows, "M"), n = toInt(cols, "N"), k = toInt(inner, "K");
        return new GemmCall(transB ? Cuda.CUBLAS_OP_T : Cuda.CUBLAS_OP_N, transA ? Cuda.CUBLAS_OP_T : Cuda.CUBLAS_OP_N,
                        n, m, k, Math.max(1, transB ? k : n), Math.max(1, transA ? m : k), Math.max(1, n));
    }

    private static int toInt(long v, String what) {
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("GEMM size " + what + "=" + v + " does not fit cuBLAS's int");
        }
        return (int) v;
    }
}
