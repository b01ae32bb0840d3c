package dev.dnnrun.kernels.elementwise;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.dnnrun.kernels.Parallel;
import dev.dnnrun.kernels.Scratch;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax, LogSoftmax and Hardmax along one axis of a tensor viewed as [outer, axis, inner]. Softmax subtracts
 * the maximum before exponentiating so large inputs do not overflow. float32 works on memory directly (vectorised
 * when the axis is innermost); other floating types go through double arrays.
 */
public final class Softmax {
    public enum Mode {
        SOFTMAX, LOG_SOFTMAX, HARDMAX
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** One vector of lanes per thread. */
    private static final Scratch LANES = new Scratch(1);

    private Softmax() {
    }

    /**
     * An element costs about as much as this many multiply-adds of a GEMM (1.5-2 ns for exp and three passes, against
     * ~0.05 ns): what {@link Parallel} weighs a split by.
     */
    private static final long ELEMENT_WORK = 32;

    public static void applyFloat(Mode mode, MemorySegment in, MemorySegment out, long outer, long axis, long inner) {
        if (outer > 1 && outer <= Integer.MAX_VALUE) {
            // Rows split over threads; each row is computed as on one thread.
            Parallel.forRange((int) outer, 1, outer * axis * inner * ELEMENT_WORK, (from, to) -> rows(mode, in, out, from, to, axis, inner),
                            in, out);
        } else {
            rows(mode, in, out, 0, outer, axis, inner);
        }
    }

    private static void rows(Mode mode, MemorySegment in, MemorySegment out, long from, long to, long axis, long inner) {
        for (long o = from; o < to; o++) {
            long base = o * axis * inner;
            if (inner == 1 && mode == Mode.SOFTMAX) {
                contiguousSoftmax(in, out, base, axis);
                continue;
            }
            for (long j = 0; j < inner; j++) {
                long start = base + j;
                float max = Float.NEGATIVE_INFINITY;
                long argmax = 0;
                for (long k = 0; k < axis; k++) {
                    float x = in.get(F, (start + k * inner) * 4);
                    if (x > max || (k == 0)) {
                        max = x;
                        argmax = k;
                    }
                }
                switch (mode) {
                    case HARDMAX -> {
                        for (long k = 0; k < axis; k++) {
                            out.set(F, (start + k * inner) * 4, k == argmax ? 1f : 0f);
                        }
                    }
                    case SOFTMAX -> {
                        double sum = 0;
                        for (long k = 0; k < axis; k++) {
                            long at = (start + k * inner) * 4;
                            float e = (float) Math.exp(in.get(F, at) - max);
                            out.set(F, at, e);
                            sum += e;
                        }
                        float scale = (float) (1.0 / sum);
                        for (long k = 0; k < axis; k++) {
                            long at = (start + k * inner) * 4;
                            out.set(F, at, out.get(F, at) * scale);
                        }
                    }
                    case LOG_SOFTMAX -> {
                        double sum = 0;
                        for (long k = 0; k < axis; k++) {
                            sum += Math.exp(in.get(F, (start + k * inner) * 4) - max);
                        }
                        float logSum = (float) Math.log(sum);
                        for (long k = 0; k < axis; k++) {
                            long at = (start + k * inner) * 4;
                            out.set(F, at, in.get(F, at) - max - logSum);
                        }
                    }
                }
            }
        }
    }

    /** Softmax over {@code n} contiguous floats starting at element {@code base}. */
    private static void contiguousSoftmax(MemorySegment in, MemorySegment out, long base, long n) {
        long bound = S.loopBound(n);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        long i = 0;
        for (; i < bound; i += L) {
            vmax = vmax.max(FloatVector.fromMemorySegment(S, in, (base + i) * 4, NATIVE));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, in.get(F, (base + i) * 4));
        }
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vsum = FloatVector.zero(S);
        for (i = 0; i < bound; i += L) {
            FloatVector e = FloatVector.fromMemorySegment(S, in, (base + i) * 4, NATIVE).sub(vm).lanewise(VectorOperators.EXP);
            e.intoMemorySegment(out, (base + i) * 4, NATIVE);
            vsum = vsum.add(e);
        }
        // Lanes summed in a fixed order: reduceLanes' order is unspecified and differs between the interpreter and
        // C2 (see Sgemm), so a model's first call and later ones could differ in the last bits.
        float[] lanes = LANES.floats(0, L);
        vsum.intoArray(lanes, 0);
        double sum = 0;
        for (int q = 0; q < L; q++) {
            sum += lanes[q];
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(in.get(F, (base + i) * 4) - max);
            out.set(F, (base + i) * 4, e);
            sum += e;
        }
        float scale = (float) (1.0 / sum);
        for (i = 0; i < bound; i += L) {
            FloatVector.fromMemorySegment(S, out, (base + i) * 4, NATIVE).mul(scale).intoMemorySegment(out, (base + i) * 4, NATIVE);
        }
        for (; i < n; i++) {
            out.set(F, (base + i) * 4, out.get(F, (base + i) * 4) * scale);
        }
    }

    /** The same over doubles, for float64/float16/bfloat16 tensors read into an array. */
    public static void applyDouble(Mode mode, double[] x, double[] y, long outer, long axis, long inner) {
        for (long o = 0; o < outer; o++) {
            for (long j = 0; j < inner; j++) {
                int start = (int) (o * axis * inner + j);
                int step = (int) inner;
                double max = x[start];
                int argmax = 0;
                for (int k = 1; k < axis; k++) {
                    if (x[start + k * step] > max) {
                        max = x[start + k * step];
                        argmax = k;
                    }
                }
                double sum = 0;
                for (int k = 0; k < axis; k++) {
                    sum += Math.exp(x[start + k * step] - max);
                }
                for (int k = 0; k < axis; k++) {
                    int at = start + k * step;
                    y[at] = switch (mode) {
                        case SOFTMAX -> Math.exp(x[at] - max) / sum;
                        case LOG_SOFTMAX -> x[at] - max - Math.log(sum);
                        case HARDMAX -> k == argmax ? 1 : 0;
                    };
                }
            }
        }
    }
}
