package dev.dnnrun.language.ops.tensor;

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
 * Pad: grows (or, with negative pads, crops) each axis. Modes: constant, reflect, edge and (opset 19) wrap. Pads
 * and the constant are attributes before opset 11 ({@code paddings} in opset 1) and inputs from 11; opset 18 adds
 * an axes input. Each output axis gets a table mapping its index to a source index, or -1 for the constant.
 */
public final class Pad extends OpNode {
    private final String mode;
    private final long[] padsAttribute;
    private final double valueAttribute;

    public Pad(GraphNode node) {
        super(node);
        mode = node.attributes().getString("mode", "constant");
        switch (mode) {
            case "constant", "reflect", "edge" -> {
            }
            case "wrap" -> {
                if (node.opsetVersion() < 19) {
                    throw new OperatorException("mode 'wrap' needs opset 19");
                }
            }
            default -> throw new OperatorException("unknown mode '" + mode + "'");
        }
        if (node.opsetVersion() < 11) {
            long[] p = node.attributes().getInts(node.opsetVersion() < 2 ? "paddings" : "pads");
            if (p == null) {
                throw new OperatorException("missing required attribute 'pads'");
            }
            padsAttribute = p;
            valueAttribute = node.attributes().getFloat("value", 0f);
        } else {
            padsAttribute = null;
            valueAttribute = 0;
        }
    }

    @Override
    public boolean isValueInput(int index) {
        return padsAttribute == null && (index == 1 || index == 3);
    }

    private static final class PadPlan extends Plan {
        final int[][] maps; // per output axis: source index or -1

        PadPlan(DType t, long[] shape, int[][] maps) {
            super(new DType[]{t}, new long[][]{shape});
            this.maps = maps;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        int r = s.length;
        long[] pads = padsAttribute != null ? padsAttribute : in.longs(1);
        int[] axes;
        if (padsAttribute == null && in.has(3)) {
            axes = Shapes.axes(in.longs(3), r);
        } else {
            axes = new int[r];
            for (int d = 0; d < r; d++) {
                axes[d] = d;
            }
        }
        if (pads.length != 2 * axes.length) {
            throw new OperatorException("pads has " + pads.length + " entries, expected " + 2 * axes.length);
        }
        long[] before = new long[r];
        long[] after = new long[r];
        for (int i = 0; i < axes.length; i++) {
            before[axes[i]] = pads[i];
            after[axes[i]] = pads[i + axes.length];
        }
        long[] out = new long[r];
        int[][] maps = new int[r][];
        for (int d = 0; d < r; d++) {
            out[d] = s[d] + before[d] + after[d];
            if (out[d] < 0) {
                throw new OperatorException("pads " + Arrays.toString(pads) + " leave a negative size on axis " + d);
            }
            if (s[d] == 0 && out[d] > 0 && !mode.equals("constant")) {
                throw new OperatorException("mode '" + mode + "' cannot pad an empty axis");
            }
            maps[d] = new int[(int) out[d]];
            for (int o = 0; o < out[d]; o++) {
                maps[d][o] = (int) source(o - before[d], s[d]);
            }
        }
        return new PadPlan(in.dtype(0), out, maps);
    }

    private long source(long c, long n) {
        if (c >= 0 && c < n) {
            return c;
        }
        return switch (mode) {
            case "edge" -> c < 0 ? 0 : n - 1;
            case "wrap" -> Math.floorMod(c, n);
            case "reflect" -> {
                if (n == 1) {
                    yield 0;
                }
                long period = 2 * (n - 1);
                long m = Math.floorMod(c, period);
                yield m < n ? m : period - m;
            }
            default -> -1;
        };
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        PadPlan p = (PadPlan) plan;
        Tensor x = inputs[0];
        DType t = x.dtype();
        Tensor out = plan.allocate(allocator);
        long n = out.elementCount();
        if (n == 0) {
            return new Tensor[]{out};
        }
        try (Tensor fill = constant(inputs, t, allocator)) {
            long[] outShape = out.shape();
            int r = outShape.length;
            long[] strides = Shapes.strides(x.shape());
            if (r == 0) {
                Tensor.copy(x, 0, out, 0, 1);
                return new Tensor[]{out};
            }
            int[] last = p.maps[r - 1];
            long rowLen = outShape[r - 1];
            long rows = n / rowLen;
            long[] idx = new long[r - 1];
            long pos = 0;
            for (long row = 0; row < rows; row++) {
                long base = 0;
                boolean outside = false;
                for (int d = 0; d < r - 1; d++) {
                    int src = p.maps[d][(int) idx[d]];
                    if (src < 0) {
                        outside = true;
                        break;
                    }
                    base += src * strides[d];
                }
                if (outside) {
                    Shapes.fill(fill, 0, out, pos, rowLen);
                } else {
                    for (int j = 0; j < rowLen; j++) {
                        if (last[j] < 0) {
                            Tensor.copy(fill, 0, out, pos + j, 1);
                        } else {
                            // copy the run of consecutive source indices at once
                            int k = j;
                            while (k + 1 < rowLen && last[k + 1] == last[k] + 1) {
                                k++;
                            }
                            Tensor.copy(x, base + last[j], out, pos + j, k - j + 1);
                            j = k;
                        }
                    }
                }
                pos += rowLen;
                for (int d = r - 2; d >= 0; d--) {
                    if (++idx[d] < outShape[d]) {
                        break;
                    }
                    idx[d] = 0;
                }
            }
        }
        return new Tensor[]{out};
    }

    /** A one-element tensor holding the padding value in the data's type. */
    private Tensor constant(Tensor[] inputs, DType t, BufferAllocator allocator) {
        Tensor c = padsAttribute == null && inputs.length > 2 ? inputs[2] : null;
        if (c != null && c.elementCount() > 0) {
            if (c.dtype() != t) {
                throw new OperatorException("constant_value has type " + c.dtype() + ", the data " + t);
            }
            return c.share();
        }
        if (t == DType.STRING) {
            return Tensor.ofStrings(new long[]{1}, new String[]{""});
        }
        Tensor z = Tensor.zeros(allocator, t, 1);
        if (t.isFloating()) {
            t.setDouble(z.segment(), 0, valueAttribute);
        } else {
            t.setLong(z.segment(), 0, (long) valueAttribute);
        }
        return z;
    }
}
