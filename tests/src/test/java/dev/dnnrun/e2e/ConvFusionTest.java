package dev.dnnrun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;

/**
 * BatchNormalization after a convolution is folded into the convolution's weights at load: the model has fewer
 * nodes and computes the same values as when the statistics arrive at run time and nothing can be folded.
 */
class ConvFusionTest {
    private static final float[] SCALE = {1.5f, -0.5f};
    private static final float[] SHIFT = {0.1f, 0.2f};
    private static final float[] MEAN = {0.3f, -0.4f};
    private static final float[] VAR = {2f, 0.25f};

    private static ModelBuilder conv(ModelBuilder b) {
        float[] w = new float[2 * 3 * 3 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i);
        }
        return b.input("x", DType.FLOAT, 1, 3, 5, 5)
                        .initializer("w", new long[]{2, 3, 3, 3}, w)
                        .initializer("b", new long[]{2}, 0.5f, -1f)
                        .node("Conv", "x,w,b", "c").ints("pads", 1, 1, 1, 1).done()
                        .node("BatchNormalization", "c,scale,shift,mean,var", "y").attr("epsilon", 1e-3f).done()
                        .output("y", DType.FLOAT, 1, 2, 5, 5);
    }

    @Test
    void foldedBatchNormMatchesTheUnfoldedOne() {
        byte[] folded = conv(new ModelBuilder("folded").opset(15)).initializer("scale", new long[]{2}, SCALE)
                        .initializer("shift", new long[]{2}, SHIFT).initializer("mean", new long[]{2}, MEAN)
                        .initializer("var", new long[]{2}, VAR).build();
        byte[] dynamic = conv(new ModelBuilder("dynamic").opset(15)).input("scale", DType.FLOAT, 2).input("shift", DType.FLOAT, 2)
                        .input("mean", DType.FLOAT, 2).input("var", DType.FLOAT, 2).build();
        float[] x = new float[75];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 7) * 0.25f - 0.5f;
        }
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value tensor = context.getBindings("dnn").getMember("tensor");
            Value input = tensor.execute("float32", new long[]{1, 3, 5, 5}, x);
            Value a = TestModels.load(context, folded, "folded");
            Value b = TestModels.load(context, dynamic, "dynamic");
            assertEquals(1, a.getMember("stats").getMember("nodes").asLong(), "BatchNormalization should be folded into Conv");
            assertEquals(2, b.getMember("stats").getMember("nodes").asLong());
            Value ya = a.execute(input).getArrayElement(0);
            Value yb = b.execute(input, SCALE, SHIFT, MEAN, VAR).getArrayElement(0);
            for (int i = 0; i < 50; i++) {
                assertEquals(yb.getArrayElement(i).asFloat(), ya.getArrayElement(i).asFloat(), 1e-4f, "element " + i);
            }
        }
    }
}
