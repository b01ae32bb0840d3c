package dev.dnnrun.language.ops.nn;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.norm.NormKernels;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.Tensor;

/**
 * InstanceNormalization (1, 6, 22): standardizes each (n, c) plane of X [N, C, ...] over its spatial extent, then
 * applies scale[c] and B[c]. Floating types, computed in double.
 */
public final class InstanceNormalization extends OpNode {
    private final double epsilon;

    public InstanceNormalization(GraphNode node) {
        super(node);
        epsilon = node.attributes().getFloat("epsilon", 1e-5f);
    }

    @Override
    protected Plan plan(Signature in) {
        Windows.requireFloating(in.dtype(0));
        if (in.dtype(1) != in.dtype(0) || in.dtype(2) != in.dtype(0)) {
            throw new OperatorException("scale and B must have the type of X (" + in.dtype(0) + ")");
        }
        long[] x = in.shape(0);
        if (x.length < 3) {
            throw new OperatorException("X needs rank >= 3, got " + Arrays.toString(x));
        }
        for (int i = 1; i <= 2; i++) {
            if (in.rank(i) != 1 || in.shape(i)[0] != x[1]) {
                throw new OperatorException((i == 1 ? "scale" : "B") + " must have shape [" + x[1] + "], got "
                                + Arrays.toString(in.shape(i)));
            }
        }
        return Plan.single(in.dtype(0), x);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor x = inputs[0];
        Tensor y = plan.allocate(allocator);
        long[] s = x.shape();
        int spatial = Math.toIntExact(Tensor.elementCount(Arrays.copyOfRange(s, 2, s.length)));
        double[] out = new double[Math.toIntExact(y.elementCount())];
        NormKernels.instanceNorm(x.toDoubleArray(), out, Math.toIntExact(s[0]), Math.toIntExact(s[1]), spatial,
                        inputs[1].toDoubleArray(), inputs[2].toDoubleArray(), epsilon);
        Windows.store(out, y);
        return new Tensor[]{y};
    }
}
