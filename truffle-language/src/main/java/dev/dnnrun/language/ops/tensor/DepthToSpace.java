package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.Tensor;

/**
 * DepthToSpace: moves channel blocks of an NCHW tensor into blocksize x blocksize spatial blocks. DCR mode views
 * the input as [n, b, b, c', h, w] and CRD as [n, c', b, b, h, w]; both are one strided copy.
 */
public final class DepthToSpace extends OpNode {
    private final long block;
    private final boolean crd;

    public DepthToSpace(GraphNode node) {
        super(node);
        block = node.attributes().requireInt("blocksize");
        String mode = node.opsetVersion() >= 11 ? node.attributes().getString("mode", "DCR") : "DCR";
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
        if (s.length != 4 || s[1] % (block * block) != 0) {
            throw new OperatorException("input must be 4-D with channels divisible by blocksize^2");
        }
        long n = s[0];
        long c = s[1] / (block * block);
        long h = s[2];
        long w = s[3];
        // element strides of the 6-D input view
        long sw = 1;
        long sh = w;
        long plane = h * w;
        long sb1;
        long sb2;
        long sc;
        if (crd) { // [n, c, b1, b2, h, w]
            sb2 = plane;
            sb1 = block * plane;
            sc = block * block * plane;
        } else { // [n, b1, b2, c, h, w]
            sc = plane;
            sb2 = c * plane;
            sb1 = block * c * plane;
        }
        long sn = s[1] * plane;
        // output viewed as [n, c, h, b1, w, b2]
        long[] viewShape = {n, c, h, block, w, block};
        long[] strides = {sn, sc, sh, sb1, sw, sb2};
        return new StridedPlan(in.dtype(0), new long[]{n, c, h * block, w * block}, 0, strides, viewShape);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return ((StridedPlan) plan).copy(inputs[0], allocator);
    }
}
