package dev.dnnrun.benchmarks;

/**
 * An SVTR-style text recogniser on a 48x320 text line: a two-conv patch embedding to 1/4 scale, three stages of
 * pre-norm transformer blocks over the 2-D token grid (LayerNormalization, Q/K/V MatMuls, Reshape and Transpose to
 * heads, scaled Q K^T, Softmax, MatMul by V, projection, residual Add; then an MLP with Swish), a stride-(2,1) 3x3
 * Conv between stages that halves the height and widens the channels, and a head that folds the remaining height
 * into each column's features and gives per-column class probabilities (Softmax over a 6625-symbol alphabet, the
 * size of a Chinese OCR dictionary). Many mid-sized MatMuls and reshapes: neither tiny nor conv-bound.
 */
final class SvtrRecognizer {
    /** Per stage: channels, heads, blocks. */
    private static final int[][] STAGES = {{64, 2, 2}, {128, 4, 2}, {192, 6, 2}};
    private static final int MLP_RATIO = 4;
    private static final int HIDDEN = 256;
    private static final int CLASSES = 6625;

    private SvtrRecognizer() {
    }

    static NetBuilder.Built build(long[] shape) {
        NetBuilder n = new NetBuilder("textrec", 0x535654L, "x", shape);
        String x = n.hardSwish(n.conv(n.input(), 32, 3, 2));
        x = n.hardSwish(n.conv(x, STAGES[0][0], 3, 2));
        for (int s = 0; s < STAGES.length; s++) {
            if (s > 0) {
                x = n.conv(x, STAGES[s][0], 3, 3, 2, 1, 1);
            }
            long[] grid = n.shape(x);
            String t = n.transpose(n.reshape(x, 1, grid[1], grid[2] * grid[3]), 0, 2, 1);
            for (int b = 0; b < STAGES[s][2]; b++) {
                t = block(n, t, STAGES[s][1]);
            }
            x = n.reshape(n.transpose(n.layerNorm(t), 0, 2, 1), grid);
        }
        // [1, C, H, W] -> [1, W, C*H]: one token per column, as CTC decoding reads it.
        long[] grid = n.shape(x);
        String columns = n.reshape(n.transpose(x, 0, 3, 1, 2), 1, grid[3], grid[1] * grid[2]);
        String hidden = n.hardSwish(n.linear(columns, HIDDEN));
        return n.build(n.softmax(n.linear(hidden, CLASSES), -1));
    }

    /** Pre-norm transformer block on [1, T, C]. */
    private static String block(NetBuilder n, String x, int heads) {
        x = n.binary("Add", x, attention(n, n.layerNorm(x), heads));
        long c = n.shape(x)[2];
        String mlp = n.linear(n.swish(n.linear(n.layerNorm(x), (int) c * MLP_RATIO)), (int) c);
        return n.binary("Add", x, mlp);
    }

    /** Multi-head self-attention as exporters write it: separate Q, K, V projections, K transposed for Q K^T. */
    private static String attention(NetBuilder n, String x, int heads) {
        long[] s = n.shape(x);
        long t = s[1];
        long c = s[2];
        long d = c / heads;
        String q = n.transpose(n.reshape(n.linear(x, (int) c), 1, t, heads, d), 0, 2, 1, 3);
        String k = n.transpose(n.reshape(n.linear(x, (int) c), 1, t, heads, d), 0, 2, 3, 1);
        String v = n.transpose(n.reshape(n.linear(x, (int) c), 1, t, heads, d), 0, 2, 1, 3);
        String scores = n.binary("Mul", n.matmul(q, k), n.scalar((float) (1 / Math.sqrt(d))));
        String mixed = n.matmul(n.softmax(scores, -1), v);
        String merged = n.reshape(n.transpose(mixed, 0, 2, 1, 3), 1, t, c);
        return n.linear(merged, (int) c);
    }
}
