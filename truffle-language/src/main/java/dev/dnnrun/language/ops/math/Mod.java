package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/**
 * Mod: with fmod=0 (integers only) the remainder takes the sign of the divisor, as Python does; with fmod=1 it
 * takes the sign of the dividend, as C fmod does.
 */
public final class Mod extends BinaryElementwise {
    private final boolean fmod;

    public Mod(GraphNode node) {
        super(node);
        long f = node.attributes().getInt("fmod", 0);
        if (f != 0 && f != 1) {
            throw new dev.dnnrun.language.graph.OperatorException("fmod must be 0 or 1, got " + f);
        }
        fmod = f == 1;
    }

    @Override
    protected FloatBinary.Op floatOp() {
        return fmod ? FloatBinary.Op.FMOD : null;
    }

    @Override
    protected boolean accepts(DType a, DType b) {
        return sameNumeric(a, b);
    }

    @Override
    protected double applyDouble(double x, double y) {
        double r = x % y;
        if (!fmod && r != 0 && (r < 0) != (y < 0)) {
            r += y;
        }
        return r;
    }

    @Override
    protected long applyLong(long x, long y, boolean unsigned64) {
        if (y == 0) {
            throw new dev.dnnrun.language.graph.OperatorException("integer modulo by zero");
        }
        if (unsigned64) {
            return Long.remainderUnsigned(x, y);
        }
        return fmod ? x % y : Math.floorMod(x, y);
    }
}
