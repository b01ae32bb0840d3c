package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.Tensor;

/**
 * SpaceToDepth: the inverse of DepthToSpace. The input is viewed as [n, c, h', b1, w', b2]; DCR (the default, and
 * the only layout before opset 28) orders output channels as [b1, b2, c], CRD as [c, b1, b2].
 */
public final class SpaceToDepth extends OpNode {
    private final long block;
    private final boolean crd;

    public SpaceToDepth(GraphNode node) {
        super(node);
        block = node.attributes().requireInt("blocksize");
        String mode = node.opsetVersion() >= 28 ? node.attributes().getString("mode", "DCR") : "DCR";
        if (!mode.equals("DCR") && !mode.equals("CRD")) {
            throw new OperatorException("unknown mode '" + mode + "'");
        }
        crd = mode.equals("CRD");
        if (block <= 0) {
            throw new OperatorException("blocksize must be positive");
        }
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        if (s.length != 4 || s[2] % block != 0 || s[3] % block != 0) {
            throw new OperatorException("input must be 4-D with height and width divisible by blocksize");
        }
        long n = s[0];
        long c = s[1];
        long h = s[2] / block;
        long w = s[3] / block;
        // input strides of [n, c, h', b1, w', b2]
        long sb2 = 1;
        long sw = block;
        long sb1 = s[3];
        long sh = block * s[3];
        long sc = s[2] * s[3];
        long sn = c * sc;
        long[] viewShape;
        long[] strides;
        if (crd) { // output [n, c, b1, b2, h', w']
            viewShape = new long[]{n, c, block, block, h, w};
            strides = new long[]{sn, sc, sb1, sb2, sh, sw};
        } else { // output [n, b1, b2, c, h', w']
            viewShape = new long[]{n, block, block, c, h, w};
            strides = new long[]{sn, sb1, sb2, sc, sh, sw};
        }
        return new StridedPlan(in.dtype(0), new long[]{n, c * block * block, h, w}, 0, strides, viewShape);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return ((StridedPlan) plan).copy(inputs[0], allocator);
    }
}
