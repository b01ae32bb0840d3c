package dev.dnnrun.language.ops.nn;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.norm.NormKernels;
import dev.dnnrun.language.graph.Attributes;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** LRN (1, 13): local response normalization across channels of X [N, C, ...]. Floating types, computed in double. */
public final class LRN extends OpNode {
    private final double alpha;
    private final double beta;
    private final double bias;
    private final int size;

    public LRN(GraphNode node) {
        super(node);
        Attributes a = node.attributes();
        alpha = a.getFloat("alpha", 1e-4f);
        beta = a.getFloat("beta", 0.75f);
        bias = a.getFloat("bias", 1f);
        size = Math.toIntExact(a.requireInt("size"));
        if (size < 1) {
            throw new OperatorException("size must be >= 1, got " + size);
        }
    }

    @Override
    protected Plan plan(Signature in) {
        Windows.requireFloating(in.dtype(0));
        if (in.rank(0) < 3) {
            throw new OperatorException("X needs rank >= 3, got " + Arrays.toString(in.shape(0)));
        }
        return Plan.single(in.dtype(0), in.shape(0));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor x = inputs[0];
        Tensor y = plan.allocate(allocator);
        long[] s = x.shape();
        int n = Math.toIntExact(s[0]);
        int c = Math.toIntExact(s[1]);
        int spatial = Math.toIntExact(Tensor.elementCount(Arrays.copyOfRange(s, 2, s.length)));
        if (x.dtype() == DType.FLOAT) {
            NormKernels.lrn(x.segment(), y.segment(), n, c, spatial, size, (float) alpha, (float) beta, (float) bias);
            return new Tensor[]{y};
        }
        double[] out = new double[Math.toIntExact(y.elementCount())];
        NormKernels.lrn(x.toDoubleArray(), out, n, c, spatial, size, alpha, beta, bias);
        Windows.store(out, y);
        return new Tensor[]{y};
    }
}
