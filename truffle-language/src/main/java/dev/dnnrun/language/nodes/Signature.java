package dev.dnnrun.language.nodes;

import java.util.Arrays;

import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.nodes.ExplodeLoop;

import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * The key an operator's plan is cached under: each input's dtype and shape, and for "value inputs" (shape
 * tensors, axes, pads, ...) their contents too. Absent optional inputs have a null dtype. Also built from
 * static types alone, for shape inference at load time.
 */
public final class Signature {
    @CompilationFinal(dimensions = 1) private final DType[] dtypes;
    @CompilationFinal(dimensions = 2) private final long[][] shapes;
    /** Contents of value inputs (null for the others): integers as longs, floating values as double bits. */
    @CompilationFinal(dimensions = 2) private final long[][] values;
    /**
     * The tensors of inputs that hold model constants (null for the others, or all null when built from types): the
     * same object on every call, so a match needs no look at its dtype, shape or contents, and partial evaluation
     * folds the whole check away.
     */
    @CompilationFinal(dimensions = 1) private final Tensor[] constants;

    public Signature(DType[] dtypes, long[][] shapes, long[][] values) {
        this(dtypes, shapes, values, new Tensor[dtypes.length]);
    }

    private Signature(DType[] dtypes, long[][] shapes, long[][] values, Tensor[] constants) {
        this.dtypes = dtypes;
        this.shapes = shapes;
        this.values = values;
        this.constants = constants;
    }

    @TruffleBoundary
    public static Signature of(OpNode op, Tensor[] inputs) {
        int n = inputs.length;
        DType[] dtypes = new DType[n];
        long[][] shapes = new long[n][];
        long[][] values = new long[n][];
        Tensor[] constants = new Tensor[n];
        for (int i = 0; i < n; i++) {
            Tensor t = inputs[i];
            if (t == null) {
                continue;
            }
            constants[i] = op.isConstantInput(i) ? t : null;
            dtypes[i] = t.dtype();
            shapes[i] = t.shape().clone();
            if (op.isValueInput(i)) {
                values[i] = contents(t);
            }
        }
        return new Signature(dtypes, shapes, values, constants);
    }

    /** A value input's contents in signature form: integers as longs, floating values as double bits. */
    public static long[] contents(Tensor t) {
        if (t.dtype() == DType.STRING) {
            throw new OperatorException("a string tensor cannot give shape or index values");
        }
        long[] v = new long[Math.toIntExact(t.elementCount())];
        boolean floating = t.dtype().isFloating();
        for (int i = 0; i < v.length; i++) {
            v[i] = floating ? Double.doubleToRawLongBits(t.getDouble(i)) : t.getLong(i);
        }
        return v;
    }

    /** True when {@code inputs} have exactly this signature. */
    @ExplodeLoop
    public boolean matches(Tensor[] inputs) {
        if (inputs.length != dtypes.length) {
            return false;
        }
        for (int i = 0; i < dtypes.length; i++) {
            Tensor t = inputs[i];
            if (t != null && t == constants[i]) {
                continue;
            }
            if (t == null) {
                if (dtypes[i] != null) {
                    return false;
                }
                continue;
            }
            if (t.dtype() != dtypes[i] || !sameShape(shapes[i], t.shape())) {
                return false;
            }
            if (values[i] != null && !sameContents(values[i], t)) {
                return false;
            }
        }
        return true;
    }

    /** Equal shapes; partial evaluation unrolls it when {@code expected} is a compilation constant. */
    @ExplodeLoop
    public static boolean sameShape(long[] expected, long[] actual) {
        if (expected.length != actual.length) {
            return false;
        }
        for (int d = 0; d < expected.length; d++) {
            if (expected[d] != actual[d]) {
                return false;
            }
        }
        return true;
    }

    @TruffleBoundary
    private static boolean sameContents(long[] expected, Tensor t) {
        return t.elementCount() == expected.length && Arrays.equals(expected, contents(t));
    }

    public int inputCount() {
        return dtypes.length;
    }

    public boolean has(int i) {
        return i < dtypes.length && dtypes[i] != null;
    }

    public DType dtype(int i) {
        return dtypes[i];
    }

    public long[] shape(int i) {
        return shapes[i];
    }

    public int rank(int i) {
        return shapes[i].length;
    }

    /** True when the contents of input {@code i} are known (always for value inputs at run time). */
    public boolean hasValues(int i) {
        return i < values.length && values[i] != null;
    }

    /** Contents of value input {@code i} as integers (floating values truncated). */
    public long[] longs(int i) {
        long[] v = requireValues(i);
        if (!dtypes[i].isFloating()) {
            return v.clone();
        }
        long[] out = new long[v.length];
        for (int k = 0; k < v.length; k++) {
            out[k] = (long) Double.longBitsToDouble(v[k]);
        }
        return out;
    }

    /** Contents of value input {@code i} as doubles. */
    public double[] doubles(int i) {
        long[] v = requireValues(i);
        double[] out = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            out[k] = dtypes[i].isFloating() ? Double.longBitsToDouble(v[k]) : v[k];
        }
        return out;
    }

    private long[] requireValues(int i) {
        if (!hasValues(i)) {
            throw new IllegalStateException("input " + i + " is not a value input");
        }
        return values[i];
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dtypes.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dtypes[i] == null ? "none" : dtypes[i] + Arrays.toString(shapes[i]));
        }
        return sb.append(')').toString();
    }
}
