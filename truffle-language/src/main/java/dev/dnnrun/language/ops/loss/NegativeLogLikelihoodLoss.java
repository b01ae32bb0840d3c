package dev.dnnrun.language.ops.loss;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * NegativeLogLikelihoodLoss (12, 13, 22): for input [N, C, d1..dk] and target [N, d1..dk], the loss of element
 * (n, d) is -input[n, target[n, d], d] * weight[target[n, d]]; elements whose target equals ignore_index contribute
 * zero loss and zero weight. Reduction 'none' keeps the target's shape, 'sum' adds up, 'mean' divides the sum by the
 * summed weights. SoftmaxCrossEntropyLoss reuses the static helpers on its log-probabilities.
 */
public final class NegativeLogLikelihoodLoss extends OpNode {
    enum Reduction {
        NONE,
        SUM,
        MEAN
    }

    private final Reduction reduction;
    private final boolean hasIgnoreIndex;
    private final long ignoreIndex;

    public NegativeLogLikelihoodLoss(GraphNode node) {
        super(node);
        reduction = reduction(node);
        hasIgnoreIndex = node.attributes().has("ignore_index");
        ignoreIndex = node.attributes().getInt("ignore_index", 0);
    }

    static Reduction reduction(GraphNode node) {
        String r = node.attributes().getString("reduction", "mean");
        return switch (r) {
            case "none" -> Reduction.NONE;
            case "sum" -> Reduction.SUM;
            case "mean" -> Reduction.MEAN;
            default -> throw new OperatorException("reduction must be none, sum or mean, got '" + r + "'");
        };
    }

    /** Checks input/target/weight types and shapes; returns the loss shape for the reduction. */
    static long[] lossShape(Signature in, String inputName, String targetName, Reduction reduction) {
        DType t = in.dtype(0);
        switch (t) {
            case FLOAT, DOUBLE, FLOAT16, BFLOAT16 -> {
            }
            default -> throw new OperatorException(inputName + " must be floating-point, got " + t);
        }
        if (in.dtype(1) != DType.INT32 && in.dtype(1) != DType.INT64) {
            throw new OperatorException(targetName + " must be int32 or int64, got " + in.dtype(1));
        }
        long[] x = in.shape(0);
        long[] target = in.shape(1);
        if (x.length < 2) {
            throw new OperatorException(inputName + " must have shape [N, C, d1, ...], got " + Arrays.toString(x));
        }
        long[] expected = new long[x.length - 1];
        expected[0] = x[0];
        System.arraycopy(x, 2, expected, 1, x.length - 2);
        if (!Arrays.equals(expected, target)) {
            throw new OperatorException(targetName + " shape " + Arrays.toString(target) + " does not match "
                            + inputName + " shape " + Arrays.toString(x) + " (expected " + Arrays.toString(expected)
                            + ")");
        }
        if (in.has(2)) {
            if (in.dtype(2) != t) {
                throw new OperatorException("weight must have the type of " + inputName + " (" + t + "), got "
                                + in.dtype(2));
            }
            if (!Arrays.equals(in.shape(2), new long[]{x[1]})) {
                throw new OperatorException("weight must have shape [" + x[1] + "], got "
                                + Arrays.toString(in.shape(2)));
            }
        }
        return reduction == Reduction.NONE ? target : new long[0];
    }

    /**
     * Computes the loss from log-probabilities laid out as [N, C, D] (D = product of d1..dk) and writes it to
     * {@code out} (per element for 'none', a single value otherwise).
     */
    static void loss(double[] logProb, Tensor target, Tensor weight, long[] inputShape, Reduction reduction,
                    boolean hasIgnoreIndex, long ignoreIndex, Tensor out) {
        int n = Math.toIntExact(inputShape[0]);
        int c = Math.toIntExact(inputShape[1]);
        int d = Math.toIntExact(Tensor.elementCount(Arrays.copyOfRange(inputShape, 2, inputShape.length)));
        double[] w = weight == null ? null : weight.toDoubleArray();
        double[] losses = new double[n * d];
        double lossSum = 0;
        double weightSum = 0;
        for (int b = 0; b < n; b++) {
            for (int j = 0; j < d; j++) {
                int at = b * d + j;
                long cls = target.getLong(at);
                if (hasIgnoreIndex && cls == ignoreIndex) {
                    continue;
                }
                if (cls < 0 || cls >= c) {
                    throw new OperatorException("target value " + cls + " is out of range [0, " + c + ")");
                }
                double wt = w == null ? 1 : w[(int) cls];
                double l = -logProb[(b * c + (int) cls) * d + j] * wt;
                losses[at] = l;
                lossSum += l;
                weightSum += wt;
            }
        }
        DType t = out.dtype();
        switch (reduction) {
            case NONE -> {
                for (int i = 0; i < losses.length; i++) {
                    t.setDouble(out.segment(), i, losses[i]);
                }
            }
            case SUM -> t.setDouble(out.segment(), 0, lossSum);
            // All elements ignored gives 0/0 = NaN, as in the reference implementation.
            case MEAN -> t.setDouble(out.segment(), 0, lossSum / weightSum);
        }
    }

    @Override
    protected Plan plan(Signature in) {
        return Plan.single(in.dtype(0), lossShape(in, "input", "target", reduction));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor weight = inputs.length > 2 ? inputs[2] : null;
        Tensor out = plan.allocate(allocator, 0);
        try {
            loss(inputs[0].toDoubleArray(), inputs[1], weight, inputs[0].shape(), reduction, hasIgnoreIndex,
                            ignoreIndex, out);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return new Tensor[]{out};
    }
}
