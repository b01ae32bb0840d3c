package dev.dnnrun.accel;

import java.util.Arrays;

import dev.dnnrun.tensor.DType;

/** Element type and shape of a value; at load time a size may be -1 (unknown), at compile time all are known. */
public record TensorType(DType dtype, long[] shape) {
    public boolean isStatic() {
        if (shape == null) {
            return false;
        }
        for (long d : shape) {
            if (d < 0) {
                return false;
            }
        }
        return true;
    }

    public int rank() {
        return shape.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorType t && t.dtype == dtype && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return dtype.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return dtype + (shape == null ? "[?]" : Arrays.toString(shape));
    }
}
