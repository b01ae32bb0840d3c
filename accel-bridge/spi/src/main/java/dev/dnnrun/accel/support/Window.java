package dev.dnnrun.accel.support;

import java.util.Arrays;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.UnsupportedSegmentException;

/**
 * The sliding window of an ONNX Conv or pooling op over its spatial axes (those after N and C), with ONNX's rules
 * applied once: {@code strides} and {@code dilations} default to 1, {@code pads} are [begin..., end...], and
 * {@code auto_pad} SAME_UPPER / SAME_LOWER pads so that the output size is ceil(input / stride), the odd element at
 * the end (UPPER) or the beginning (LOWER), while VALID pads nothing. Dilations count as ONNX does (1 is dense).
 */
public record Window(long[] kernel, long[] strides, long[] dilations, long[] padBegin, long[] padEnd) {
    /** Bound on sizes, strides, dilations and pads, so that the window's arithmetic cannot overflow. */
    private static final long LIMIT = Shapes.MAX_BYTES;

    /** Spatial axes. */
    public int rank() {
        return kernel.length;
    }

    /** The kernel's extent along axis {@code i} with its dilation. */
    public long extent(int i) {
        return extent(kernel[i], dilations[i]);
    }

    private static long extent(long kernel, long dilation) {
        try {
            return Math.addExact(Math.multiplyExact(kernel - 1, dilation), 1);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The output size along spatial axis {@code i} for input size {@code in} (floor, ONNX's default ceil_mode=0). */
    public long outputSize(int i, long in) {
        return Math.floorDiv(in + padBegin[i] + padEnd[i] - extent(i), strides[i]) + 1;
    }

    /**
     * Whether {@code y}'s spatial sizes are those this window makes of {@code x}'s (both N, C, spatial...) and at
     * least 1. Unknown sizes (-1, at load time) match anything.
     */
    public boolean fits(long[] x, long[] y) {
        if (x.length != rank() + 2 || y.length != rank() + 2) {
            return false;
        }
        for (int i = 0; i < rank(); i++) {
            long in = x[i + 2], out = y[i + 2];
            if (in > LIMIT || (in >= 0 && out >= 0 && (out < 1 || outputSize(i, in) != out))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The window of {@code op} with {@code kernel} (its spatial sizes, each at least 1) over input shape {@code x}
     * (N, C, spatial...). Where auto_pad is SAME_* and a spatial input size is unknown (-1), its pads are left 0.
     */
    public static Window of(OpView op, long[] kernel, long[] x) throws UnsupportedSegmentException {
        String t = op.opType();
        int n = kernel.length;
        if (x.length != n + 2) {
            throw new UnsupportedSegmentException(t + " input of rank " + x.length + " for a " + n + "-D kernel");
        }
        long[] strides = ints(op, "strides", n);
        long[] dil = ints(op, "dilations", n);
        for (int i = 0; i < n; i++) {
            if (strides[i] < 1 || dil[i] < 1 || kernel[i] < 1 || strides[i] > LIMIT || extent(kernel[i], dil[i]) > LIMIT) {
                throw new UnsupportedSegmentException(t + " with strides " + Arrays.toString(strides) + ", dilations "
                                + Arrays.toString(dil) + ", kernel " + Arrays.toString(kernel));
            }
        }
        long[] begin = new long[n], end = new long[n];
        String auto = op.stringAttr("auto_pad", "NOTSET");
        switch (auto) {
            case "NOTSET" -> {
                long[] pads = op.intsAttr("pads");
                if (pads != null) {
                    if (pads.length != 2 * n) {
                        throw new UnsupportedSegmentException(t + " pads of length " + pads.length + " for " + n + " spatial axes");
                    }
                    for (int i = 0; i < n; i++) {
                        begin[i] = pads[i];
                        end[i] = pads[i + n];
                        if (begin[i] < 0 || end[i] < 0 || begin[i] > LIMIT || end[i] > LIMIT) {
                            throw new UnsupportedSegmentException(t + " with pads " + Arrays.toString(pads) + ": negative or absurd");
                        }
                    }
                }
            }
            case "VALID" -> {
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                for (int i = 0; i < n; i++) {
                    long in = x[i + 2];
                    if (in < 0) {
                        continue;
                    }
                    long out = (in + strides[i] - 1) / strides[i];
                    long total = Math.max(0, (out - 1) * strides[i] + extent(kernel[i], dil[i]) - in);
                    begin[i] = auto.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                    end[i] = total - begin[i];
                }
            }
            default -> throw new UnsupportedSegmentException(t + " auto_pad=" + auto);
        }
        return new Window(kernel.clone(), strides, dil, begin, end);
    }

    private static long[] ints(OpView op, String name, int n) throws UnsupportedSegmentException {
        long[] v = op.intsAttr(name);
        if (v == null) {
            v = new long[n];
            Arrays.fill(v, 1);
        } else if (v.length != n) {
            throw new UnsupportedSegmentException(op.opType() + " " + name + " of length " + v.length + " for " + n + " spatial axes");
        }
        return v;
    }
}
