package dev.dnnrun.benchmarks;

/**
 * A MobileNetV3-small-style classifier on a 48x192 text-line crop, like the text-direction classifiers of OCR
 * pipelines: a stride-2 stem, eleven inverted residual blocks (1x1 expand, k x k depthwise, optional
 * squeeze-excitation, 1x1 project, residual Add where shapes allow) with Relu or expanded HardSwish, a 1x1 conv,
 * global pooling and a Gemm head with Softmax over four orientations. Some strides are (2,1), as OCR backbones use
 * them, so the wide crop keeps its width. Nearly every op is small: the time goes to per-op overhead.
 */
final class MobileNetClassifier {
    /** kernel, expansion channels, output channels, squeeze-excitation, HardSwish (else Relu), stride h, stride w. */
    private static final int[][] BLOCKS = {
        {3, 16, 16, 1, 0, 2, 2},
        {3, 72, 24, 0, 0, 2, 2},
        {3, 88, 24, 0, 0, 1, 1},
        {5, 96, 40, 1, 1, 2, 2},
        {5, 240, 40, 1, 1, 1, 1},
        {5, 240, 40, 1, 1, 1, 1},
        {5, 120, 48, 1, 1, 1, 1},
        {5, 144, 48, 1, 1, 1, 1},
        {5, 288, 96, 1, 1, 2, 1},
        {5, 576, 96, 1, 1, 1, 1},
        {5, 576, 96, 1, 1, 1, 1},
    };

    private MobileNetClassifier() {
    }

    static NetBuilder.Built build(long[] shape) {
        NetBuilder n = new NetBuilder("mobilenet", 0x4d4f42L, "x", shape);
        String x = n.hardSwish(n.conv(n.input(), 16, 3, 2));
        for (int[] b : BLOCKS) {
            x = invertedResidual(n, x, b[0], b[1], b[2], b[3] != 0, b[4] != 0, b[5], b[6]);
        }
        x = n.hardSwish(n.conv(x, 576, 1, 1));
        x = n.flatten(n.globalAveragePool(x));
        x = n.hardSwish(n.gemm(x, 1024));
        return n.build(n.softmax(n.gemm(x, 4), 1));
    }

    /** The MobileNetV3 block; depthwise-separable when there is no expansion. */
    static String invertedResidual(NetBuilder n, String x, int k, int expand, int out, boolean se, boolean hs, int sh, int sw) {
        long in = n.shape(x)[1];
        String y = x;
        if (expand != in) {
            y = act(n, n.conv(y, expand, 1, 1), hs);
        }
        y = act(n, n.depthwise(y, k, sh, sw), hs);
        if (se) {
            y = n.squeezeExcite(y, 4);
        }
        y = n.conv(y, out, 1, 1);
        return sh == 1 && sw == 1 && in == out ? n.binary("Add", x, y) : y;
    }

    static String act(NetBuilder n, String x, boolean hardSwish) {
        return hardSwish ? n.hardSwish(x) : n.relu(x);
    }
}
