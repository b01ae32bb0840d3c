package dev.dnnrun.language.graph;

import java.util.Arrays;

import dev.dnnrun.tensor.DType;

/**
 * The declared or inferred type of a value: element type and shape. A dimension is a fixed size (>= 0), or
 * unknown (-1) with an optional symbolic name; a null shape means the rank itself is unknown.
 */
public record ValueType(DType dtype, long[] dims, String[] dimNames) {
    public static final long UNKNOWN = -1;

    public static ValueType of(DType dtype, long... dims) {
        return new ValueType(dtype, dims.clone(), new String[dims.length]);
    }

    public static ValueType unknown(DType dtype) {
        return new ValueType(dtype, null, null);
    }

    public boolean hasStaticShape() {
        if (dims == null) {
            return false;
        }
        for (long d : dims) {
            if (d < 0) {
                return false;
            }
        }
        return true;
    }

    public String shapeString() {
        if (dims == null) {
            return "[?]";
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims[i] >= 0 ? Long.toString(dims[i]) : dimNames != null && dimNames[i] != null ? dimNames[i] : "?");
        }
        return sb.append(']').toString();
    }

    @Override
    public String toString() {
        return (dtype == null ? "?" : dtype.toString()) + shapeString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValueType v && v.dtype == dtype && Arrays.equals(v.dims, dims) && Arrays.equals(v.dimNames, dimNames);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims) * 31 + (dtype == null ? 0 : dtype.hashCode());
    }
}
