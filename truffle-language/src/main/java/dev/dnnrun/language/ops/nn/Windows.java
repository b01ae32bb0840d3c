package dev.dnnrun.language.ops.nn;

import java.util.Arrays;

import dev.dnnrun.language.graph.Attributes;
import dev.dnnrun.language.graph.OperatorException;

/**
 * Sliding-window attributes shared by Conv, ConvTranspose and the pooling operators (kernel_shape, strides, pads,
 * dilations, auto_pad, ceil_mode), and the output extents they give. Results are padded to three spatial dims
 * (leading extents 1) because the kernels handle 1-D and 2-D as 3-D.
 */
final class Windows {
    final long[] kernelShape;
    final long[] strides;
    final long[] pads;
    final long[] dilations;
    final String autoPad;
    final boolean ceilMode;

    Windows(Attributes a, boolean kernelRequired) {
        kernelShape = a.getInts("kernel_shape");
        if (kernelRequired && kernelShape == null) {
            throw new OperatorException("attribute kernel_shape is required");
        }
        strides = a.getInts("strides");
        pads = a.getInts("pads");
        dilations = a.getInts("dilations");
        autoPad = a.getString("auto_pad", "NOTSET");
        ceilMode = a.getInt("ceil_mode", 0) != 0;
        switch (autoPad) {
            case "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID" -> {
            }
            default -> throw new OperatorException("unknown auto_pad '" + autoPad + "'");
        }
        check(strides, "strides", 1);
        check(dilations, "dilations", 1);
        check(pads, "pads", 0);
    }

    private static void check(long[] v, String name, long min) {
        if (v != null) {
            for (long x : v) {
                if (x < min) {
                    throw new OperatorException(name + " must be >= " + min + ", got " + Arrays.toString(v));
                }
            }
        }
    }

    /** Resolved geometry, each array of length 3. */
    record Resolved(int[] in, int[] kernel, int[] out, int[] stride, int[] padBegin, int[] padEnd, int[] dilation,
                    long[] outSpatial) {
    }

    /** Resolves the window for input spatial extents {@code in} and kernel extents {@code kernel} (rank r). */
    Resolved resolve(long[] in, long[] kernel) {
        int r = in.length;
        if (r < 1 || r > 3) {
            throw new OperatorException("only 1 to 3 spatial dimensions are supported, got " + r);
        }
        long[] k = kernel;
        if (kernelShape != null && kernelShape.length != r) {
            throw new OperatorException("kernel_shape has " + kernelShape.length + " entries for " + r + " spatial dims");
        }
        long[] s = orDefault(strides, r, 1, "strides");
        long[] d = orDefault(dilations, r, 1, "dilations");
        long[] p = pads == null ? new long[2 * r] : pads;
        if (p.length != 2 * r) {
            throw new OperatorException("pads has " + p.length + " entries, expected " + 2 * r);
        }
        int[] rin = ones(), rk = ones(), rout = ones(), rs = ones(), rd = ones();
        int[] pb = new int[3], pe = new int[3];
        long[] outSpatial = new long[r];
        for (int i = 0; i < r; i++) {
            int at = 3 - r + i;
            long eff = (k[i] - 1) * d[i] + 1;
            long begin = p[i], end = p[i + r];
            long out;
            switch (autoPad) {
                case "VALID" -> {
                    begin = 0;
                    end = 0;
                    out = (in[i] - eff) / s[i] + 1;
                }
                case "SAME_UPPER", "SAME_LOWER" -> {
                    out = (in[i] + s[i] - 1) / s[i];
                    long total = Math.max(0, (out - 1) * s[i] + eff - in[i]);
                    long small = total / 2;
                    begin = autoPad.equals("SAME_UPPER") ? small : total - small;
                    end = total - begin;
                }
                default -> {
                    long span = in[i] + begin + end - eff;
                    if (span < 0) {
                        out = 0;
                    } else if (ceilMode) {
                        out = (span + s[i] - 1) / s[i] + 1;
                        // The last window must start inside the input or its left padding.
                        if ((out - 1) * s[i] >= in[i] + begin) {
                            out--;
                        }
                    } else {
                        out = span / s[i] + 1;
                    }
                }
            }
            if (out <= 0) {
                throw new OperatorException("window " + Arrays.toString(k) + " does not fit input " + Arrays.toString(in));
            }
            outSpatial[i] = out;
            rin[at] = Math.toIntExact(in[i]);
            rk[at] = Math.toIntExact(k[i]);
            rout[at] = Math.toIntExact(out);
            rs[at] = Math.toIntExact(s[i]);
            rd[at] = Math.toIntExact(d[i]);
            pb[at] = Math.toIntExact(begin);
            pe[at] = Math.toIntExact(end);
        }
        return new Resolved(rin, rk, rout, rs, pb, pe, rd, outSpatial);
    }

    private static int[] ones() {
        return new int[]{1, 1, 1};
    }

    static long[] orDefault(long[] v, int r, long def, String name) {
        if (v == null) {
            long[] x = new long[r];
            Arrays.fill(x, def);
            return x;
        }
        if (v.length != r) {
            throw new OperatorException(name + " has " + v.length + " entries for " + r + " spatial dims");
        }
        return v;
    }

    static long[] concat(long a, long b, long[] rest) {
        long[] s = new long[rest.length + 2];
        s[0] = a;
        s[1] = b;
        System.arraycopy(rest, 0, s, 2, rest.length);
        return s;
    }

    static float[] floats(dev.dnnrun.tensor.Tensor t) {
        if (t == null) {
            return null;
        }
        float[] f = new float[Math.toIntExact(t.elementCount())];
        java.lang.foreign.MemorySegment.copy(t.segment(), java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0, f, 0,
                        f.length);
        return f;
    }

    /** Input {@code i}, or null when the node omitted it. */
    static dev.dnnrun.tensor.Tensor opt(dev.dnnrun.tensor.Tensor[] inputs, int i) {
        return i < inputs.length ? inputs[i] : null;
    }

    /** Elements of {@code t} as doubles (generic path), or null when the input was omitted. */
    static double[] doubles(dev.dnnrun.tensor.Tensor t) {
        return t == null ? null : t.toDoubleArray();
    }

    /** Writes {@code v} into {@code t}, converting to its dtype. */
    static void store(double[] v, dev.dnnrun.tensor.Tensor t) {
        java.lang.foreign.MemorySegment seg = t.segment();
        for (int i = 0; i < v.length; i++) {
            t.dtype().setDouble(seg, i, v[i]);
        }
    }

    /** Rejects non-floating element types (normalization operators). */
    static void requireFloating(dev.dnnrun.tensor.DType t) {
        switch (t) {
            case FLOAT, DOUBLE, FLOAT16, BFLOAT16 -> {
            }
            default -> throw new OperatorException("expected a floating-point input, got " + t);
        }
    }
}
