package dev.dnnrun.accel.tck;

import java.util.List;

/**
 * The segments the contract test runs, each with its reference computed in Java from the builder's data. A backend
 * names the samples it claims ({@link BackendContractTest#claims()}); every operator of a claimed sample must be
 * supported, and the compiled segment must compute the reference. In every sample dimension 0 of each non-constant
 * value is the same leading size, which the hostile variants ({@link Hostile}) replace.
 */
public enum Sample {
    /** Y = A x W: A [5, 7] an input, W [7, 3] a constant. */
    MATMUL("MatMul") {
        @Override
        void build(SegmentBuilder b) {
            b.input("a", 5, 7);
            b.constant("w", 7, 3);
            b.op("MatMul", List.of("a", "w"), "y", new long[] { 5, 3 });
            b.output("y");
        }

        @Override
        float[][] expected(SegmentBuilder b) {
            return new float[][] { Reference.matmul(b.data("a"), b.data("w"), 1, 5, 7, 3, 0, 0) };
        }
    },
    /** Y = 0.5 * A x B^T + 2 * C: A [6, 5] an input, B [4, 5] and the bias C [4] constants. */
    GEMM_TRANSB_BIAS("Gemm transB with bias") {
        @Override
        void build(SegmentBuilder b) {
            b.input("a", 6, 5);
            b.constant("b", 4, 5);
            b.constant("c", 4);
            b.op("Gemm", List.of("a", "b", "c"), "y", new long[] { 6, 4 }, "transB", 1L, "alpha", 0.5, "beta", 2.0);
            b.output("y");
        }

        @Override
        float[][] expected(SegmentBuilder b) {
            return new float[][] { Reference.gemm(b.data("a"), b.data("b"), b.data("c"), new long[] { 4 }, 6, 5, 4, false, true, 0.5f, 2f) };
        }
    },
    /**
     * H = X x W1, Y = Gemm(H, W2^T, C): an intermediate that is also a segment output, read by the next operator.
     * X [6, 8] an input; W1 [8, 5], W2 [3, 5], C [3] constants; outputs Y then H.
     */
    MATMUL_GEMM("MatMul then Gemm, both outputs") {
        @Override
        void build(SegmentBuilder b) {
            b.input("x", 6, 8);
            b.constant("w1", 8, 5);
            b.constant("w2", 3, 5);
            b.constant("c", 3);
            b.op("MatMul", List.of("x", "w1"), "h", new long[] { 6, 5 });
            b.op("Gemm", List.of("h", "w2", "c"), "y", new long[] { 6, 3 }, "transB", 1L);
            b.output("y", "h");
        }

        @Override
        float[][] expected(SegmentBuilder b) {
            float[] h = Reference.matmul(b.data("x"), b.data("w1"), 1, 6, 8, 5, 0, 0);
            return new float[][] { Reference.gemm(h, b.data("w2"), b.data("c"), new long[] { 3 }, 6, 5, 3, false, true, 1f, 1f), h };
        }
    },
    /** Y = max(X, 0) over [3, 4, 5]. */
    RELU("Relu") {
        @Override
        void build(SegmentBuilder b) {
            b.input("x", 3, 4, 5);
            b.op("Relu", List.of("x"), "y", new long[] { 3, 4, 5 });
            b.output("y");
        }

        @Override
        float[][] expected(SegmentBuilder b) {
            return new float[][] { Reference.map(b.data("x"), v -> Math.max(0, v)) };
        }
    },
    /** Y = A + B, both inputs [3, 4, 5]. */
    ADD("Add") {
        @Override
        void build(SegmentBuilder b) {
            b.input("a", 3, 4, 5);
            b.input("b", 3, 4, 5);
            b.op("Add", List.of("a", "b"), "y", new long[] { 3, 4, 5 });
            b.output("y");
        }

        @Override
        float[][] expected(SegmentBuilder b) {
            return new float[][] { Reference.zip(b.data("a"), b.data("b"), Double::sum) };
        }
    },
    /** Y = A * B, both inputs [3, 4, 5]. */
    MUL("Mul") {
        @Override
        void build(SegmentBuilder b) {
            b.input("a", 3, 4, 5);
            b.input("b", 3, 4, 5);
            b.op("Mul", List.of("a", "b"), "y", new long[] { 3, 4, 5 });
            b.output("y");
        }

        @Override
        float[][] expected(SegmentBuilder b) {
            return new float[][] { Reference.zip(b.data("a"), b.data("b"), (p, q) -> p * q) };
        }
    },
    /** Y = Relu(A + B): two operators with an intermediate only the segment sees. */
    ADD_RELU("Add then Relu") {
        @Override
        void build(SegmentBuilder b) {
            b.input("a", 2, 3, 4);
            b.input("b", 2, 3, 4);
            b.op("Add", List.of("a", "b"), "s", new long[] { 2, 3, 4 });
            b.op("Relu", List.of("s"), "y", new long[] { 2, 3, 4 });
            b.output("y");
        }

        @Override
        float[][] expected(SegmentBuilder b) {
            return new float[][] { Reference.zip(b.data("a"), b.data("b"), (p, q) -> Math.max(0, p + q)) };
        }
    },
    /** Conv 3x3 with bias and pads 1: X [2, 3, 6, 6] an input, W [4, 3, 3, 3] and B [4] constants. */
    CONV("Conv") {
        private static final long[] XS = { 2, 3, 6, 6 }, WS = { 4, 3, 3, 3 }, YS = { 2, 4, 6, 6 };

        @Override
        void build(SegmentBuilder b) {
            b.input("x", XS);
            b.constant("w", WS);
            b.constant("b", 4);
            b.op("Conv", List.of("x", "w", "b"), "y", YS, "kernel_shape", new long[] { 3, 3 }, "pads", new long[] { 1, 1, 1, 1 });
            b.output("y");
        }

        @Override
        float[][] expected(SegmentBuilder b) {
            int[] one = { 1, 1 };
            return new float[][] { Reference.conv(b.data("x"), XS, b.data("w"), WS, b.data("b"), 1, one, one, one, YS) };
        }
    };

    private final String title;

    Sample(String title) {
        this.title = title;
    }

    /** Declares the sample's inputs, constants, operators and outputs in {@code b}. */
    abstract void build(SegmentBuilder b);

    /** The expected outputs, in output order, for the builder's current input data. */
    abstract float[][] expected(SegmentBuilder b);

    /** A new builder holding this sample. */
    public SegmentBuilder builder() {
        SegmentBuilder b = new SegmentBuilder();
        build(b);
        return b;
    }

    /** E.g. "Gemm transB with bias", for test names. */
    public String title() {
        return title;
    }
}
