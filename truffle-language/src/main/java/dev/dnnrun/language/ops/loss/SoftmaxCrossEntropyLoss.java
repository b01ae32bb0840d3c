package dev.dnnrun.language.ops.loss;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * SoftmaxCrossEntropyLoss (12, 13): log-softmax of scores [N, C, d1..dk] over the class axis, followed by the
 * negative log likelihood loss against labels [N, d1..dk] (same weights, ignore_index and reduction rules). The
 * optional second output is the log-softmax itself, with the shape of scores.
 */
public final class SoftmaxCrossEntropyLoss extends OpNode {
    private final NegativeLogLikelihoodLoss.Reduction reduction;
    private final boolean hasIgnoreIndex;
    private final long ignoreIndex;

    public SoftmaxCrossEntropyLoss(GraphNode node) {
        super(node);
        reduction = NegativeLogLikelihoodLoss.reduction(node);
        hasIgnoreIndex = node.attributes().has("ignore_index");
        ignoreIndex = node.attributes().getInt("ignore_index", 0);
    }

    @Override
    protected Plan plan(Signature in) {
        long[] loss = NegativeLogLikelihoodLoss.lossShape(in, "scores", "labels", reduction);
        DType t = in.dtype(0);
        return new Plan(new DType[]{t, t}, new long[][]{loss, in.shape(0)});
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor scores = inputs[0];
        long[] shape = scores.shape();
        int n = Math.toIntExact(shape[0]);
        int c = Math.toIntExact(shape[1]);
        int d = Math.toIntExact(Tensor.elementCount(Arrays.copyOfRange(shape, 2, shape.length)));
        double[] logProb = scores.toDoubleArray();
        // Numerically stable log-softmax along C (stride d) for each (n, position) pair.
        for (int b = 0; b < n; b++) {
            for (int j = 0; j < d; j++) {
                int base = b * c * d + j;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < c; k++) {
                    max = Math.max(max, logProb[base + k * d]);
                }
                double sum = 0;
                for (int k = 0; k < c; k++) {
                    sum += Math.exp(logProb[base + k * d] - max);
                }
                double logSum = max + Math.log(sum);
                for (int k = 0; k < c; k++) {
                    logProb[base + k * d] -= logSum;
                }
            }
        }
        Tensor weight = inputs.length > 2 ? inputs[2] : null;
        Tensor out = plan.allocate(allocator, 0);
        Tensor[] result = {out, null};
        try {
            NegativeLogLikelihoodLoss.loss(logProb, inputs[1], weight, shape, reduction, hasIgnoreIndex, ignoreIndex,
                            out);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        if (node.outputs().size() > 1 && !node.outputs().get(1).isEmpty()) {
            Tensor lp = plan.allocate(allocator, 1);
            DType t = lp.dtype();
            for (int i = 0; i < logProb.length; i++) {
                t.setDouble(lp.segment(), i, logProb[i]);
            }
            result[1] = lp;
        }
        return result;
    }
}
