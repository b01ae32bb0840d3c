package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.Attributes;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Constant: a tensor given by exactly one attribute: {@code value} (a tensor), or from opset 12 {@code value_float(s)},
 * {@code value_int(s)}, {@code value_string(s)}. Sparse values are not supported.
 */
public final class Constant extends OpNode {
    private final Tensor tensor;      // the 'value' attribute, shared with every output
    private final DType dtype;
    private final long[] shape;
    private final double[] floats;
    private final long[] ints;
    private final String[] strings;

    public Constant(GraphNode node) {
        super(node);
        Attributes a = node.attributes();
        if (a.has("sparse_value")) {
            throw new OperatorException("sparse constants are not supported");
        }
        Tensor t = null;
        double[] f = null;
        long[] i = null;
        String[] s = null;
        long[] shp = new long[0];
        DType type = null;
        int given = 0;
        if (a.has("value")) {
            t = a.getTensor("value");
            type = t.dtype();
            shp = t.shape();
            given++;
        }
        if (a.has("value_float")) {
            f = new double[]{a.getFloat("value_float", 0)};
            type = DType.FLOAT;
            given++;
        }
        if (a.has("value_floats")) {
            f = a.getFloats("value_floats");
            type = DType.FLOAT;
            shp = new long[]{f.length};
            given++;
        }
        if (a.has("value_int")) {
            i = new long[]{a.getInt("value_int", 0)};
            type = DType.INT64;
            given++;
        }
        if (a.has("value_ints")) {
            i = a.getInts("value_ints");
            type = DType.INT64;
            shp = new long[]{i.length};
            given++;
        }
        if (a.has("value_string")) {
            s = new String[]{a.getString("value_string", "")};
            type = DType.STRING;
            given++;
        }
        if (a.has("value_strings")) {
            s = a.getStrings("value_strings");
            type = DType.STRING;
            shp = new long[]{s.length};
            given++;
        }
        if (given != 1) {
            throw new OperatorException("exactly one value attribute must be given, found " + given);
        }
        tensor = t;
        dtype = type;
        shape = shp.clone();
        floats = f;
        ints = i;
        strings = s;
    }

    @Override
    protected Plan plan(Signature in) {
        return Plan.single(dtype, shape);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        if (tensor != null) {
            return new Tensor[]{tensor.share()};
        }
        if (strings != null) {
            return new Tensor[]{Tensor.ofStrings(shape, strings)};
        }
        Tensor out = plan.allocate(allocator);
        int n = floats != null ? floats.length : ints.length;
        for (int k = 0; k < n; k++) {
            if (floats != null) {
                dtype.setDouble(out.segment(), k, floats[k]);
            } else {
                dtype.setLong(out.segment(), k, ints[k]);
            }
        }
        return new Tensor[]{out};
    }
}
