package dev.dnnrun.kernels.reduce;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * float32 reductions over the middle axis of a [outer, r, inner] layout. When inner is 1 each output is a
 * contiguous run, summed in double; otherwise whole rows of {@code inner} floats are combined elementwise, a loop
 * C2 vectorises.
 */
public final class FloatReduce {
    public enum Op { SUM, MEAN, MAX, MIN, SUM_SQUARE, L1, L2 }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private FloatReduce() {
    }

    public static void reduce(Op op, MemorySegment src, MemorySegment dst, long outer, long r, long inner) {
        if (inner == 1) {
            for (long o = 0; o < outer; o++) {
                dst.set(F32, o * 4, reduceRun(op, src, o * r, r));
            }
            return;
        }
        float[] acc = new float[(int) inner];
        float[] row = new float[(int) inner];
        for (long o = 0; o < outer; o++) {
            java.util.Arrays.fill(acc, identity(op));
            for (long k = 0; k < r; k++) {
                MemorySegment.copy(src, F32, ((o * r + k) * inner) * 4, row, 0, (int) inner);
                combineRow(op, acc, row);
            }
            finishRow(op, acc, r);
            MemorySegment.copy(acc, 0, dst, F32, o * inner * 4, (int) inner);
        }
    }

    private static float identity(Op op) {
        return switch (op) {
            case MAX -> Float.NEGATIVE_INFINITY;
            case MIN -> Float.POSITIVE_INFINITY;
            default -> 0f;
        };
    }

    private static void combineRow(Op op, float[] acc, float[] row) {
        int n = acc.length;
        switch (op) {
            case SUM, MEAN -> {
                for (int i = 0; i < n; i++) {
                    acc[i] += row[i];
                }
            }
            case MAX -> {
                for (int i = 0; i < n; i++) {
                    acc[i] = Math.max(acc[i], row[i]);
                }
            }
            case MIN -> {
                for (int i = 0; i < n; i++) {
                    acc[i] = Math.min(acc[i], row[i]);
                }
            }
            case SUM_SQUARE, L2 -> {
                for (int i = 0; i < n; i++) {
                    acc[i] += row[i] * row[i];
                }
            }
            case L1 -> {
                for (int i = 0; i < n; i++) {
                    acc[i] += Math.abs(row[i]);
                }
            }
        }
    }

    private static void finishRow(Op op, float[] acc, long r) {
        if (op == Op.MEAN) {
            for (int i = 0; i < acc.length; i++) {
                acc[i] = (float) ((double) acc[i] / r);
            }
        } else if (op == Op.L2) {
            for (int i = 0; i < acc.length; i++) {
                acc[i] = (float) Math.sqrt(acc[i]);
            }
        }
    }

    private static float reduceRun(Op op, MemorySegment src, long start, long n) {
        long off = start * 4;
        switch (op) {
            case MAX, MIN -> {
                float m = identity(op);
                for (long i = 0; i < n; i++) {
                    float x = src.get(F32, off + i * 4);
                    m = op == Op.MAX ? Math.max(m, x) : Math.min(m, x);
                }
                return m;
            }
            default -> {
                double s = 0;
                for (long i = 0; i < n; i++) {
                    float x = src.get(F32, off + i * 4);
                    s += switch (op) {
                        case SUM_SQUARE, L2 -> (double) x * x;
                        case L1 -> Math.abs(x);
                        default -> x;
                    };
                }
                return switch (op) {
                    case MEAN -> (float) (s / n);
                    case L2 -> (float) Math.sqrt(s);
                    default -> (float) s;
                };
            }
        }
    }
}
