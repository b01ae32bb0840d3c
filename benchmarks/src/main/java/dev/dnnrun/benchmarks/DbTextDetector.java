package dev.dnnrun.benchmarks;

/**
 * A DBNet-style text detector, shaped like the mobile detectors of OCR pipelines: a MobileNetV3-large x0.5
 * backbone (the same inverted residual blocks as {@link MobileNetClassifier}), an FPN that adds nearest-upsampled
 * (Resize) coarse maps into finer ones and concatenates all four levels at 1/4 scale, and the DB head: 3x3 Conv,
 * BatchNormalization, Relu, two stride-2 ConvTransposes back to full resolution and a Sigmoid probability map.
 */
final class DbTextDetector {
    /** MobileNetV3-large at width 0.5: kernel, expansion, output, SE, HardSwish, stride; a marked block ends a level. */
    private static final int[][] BLOCKS = {
        {3, 8, 8, 0, 0, 1},
        {3, 32, 16, 0, 0, 2},
        {3, 40, 16, 0, 0, 1},
        {5, 40, 24, 1, 0, 2},
        {5, 64, 24, 1, 0, 1},
        {5, 64, 24, 1, 0, 1},
        {3, 120, 40, 0, 1, 2},
        {3, 104, 40, 0, 1, 1},
        {3, 96, 40, 0, 1, 1},
        {3, 96, 40, 0, 1, 1},
        {3, 240, 56, 1, 1, 1},
        {3, 336, 56, 1, 1, 1},
        {5, 336, 80, 1, 1, 2},
        {5, 480, 80, 1, 1, 1},
        {5, 480, 80, 1, 1, 1},
    };
    /** Indices of the blocks whose outputs feed the FPN (1/4, 1/8, 1/16); 1/32 is the final 1x1 conv. */
    private static final int[] LEVEL_ENDS = {2, 5, 11};
    private static final int FPN = 96;

    private DbTextDetector() {
    }

    static NetBuilder.Built build(long[] shape) {
        NetBuilder n = new NetBuilder("textdet", 0x444254L, "x", shape);
        String x = n.hardSwish(n.conv(n.input(), 8, 3, 2));
        String[] levels = new String[4];
        int level = 0;
        for (int i = 0; i < BLOCKS.length; i++) {
            int[] b = BLOCKS[i];
            x = MobileNetClassifier.invertedResidual(n, x, b[0], b[1], b[2], b[3] != 0, b[4] != 0, b[5], b[5]);
            if (level < LEVEL_ENDS.length && i == LEVEL_ENDS[level]) {
                levels[level++] = x;
            }
        }
        levels[3] = n.hardSwish(n.conv(x, 480, 1, 1));
        return n.build(head(n, fpn(n, levels)));
    }

    /** Lateral 1x1 convs, top-down nearest upsampling and Add, a 3x3 conv per level, all upsampled to 1/4 and concatenated. */
    private static String fpn(NetBuilder n, String[] levels) {
        String[] lateral = new String[4];
        for (int i = 0; i < 4; i++) {
            lateral[i] = n.conv(levels[i], FPN, 1, 1);
        }
        for (int i = 2; i >= 0; i--) {
            lateral[i] = n.binary("Add", lateral[i], n.upsample(lateral[i + 1], 2));
        }
        String[] p = new String[4];
        for (int i = 0; i < 4; i++) {
            String smooth = n.conv(lateral[i], FPN / 4, 3, 1);
            p[i] = i == 0 ? smooth : n.upsample(smooth, 1 << i);
        }
        return n.concat(1, p[3], p[2], p[1], p[0]);
    }

    /** The DB probability head: 1/4 scale back to full resolution. */
    private static String head(NetBuilder n, String x) {
        String y = n.relu(n.batchNorm(n.conv(x, FPN / 4, 3, 1)));
        y = n.relu(n.batchNorm(n.convTranspose(y, FPN / 4, 2)));
        return n.sigmoid(n.convTranspose(y, 1, 2));
    }
}
