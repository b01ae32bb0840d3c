package dev.dnnrun.kernels.elementwise;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.dnnrun.kernels.Parallel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 binary elementwise kernels over a {@link Broadcast} walk. The operation is chosen once per row by a
 * switch; each operation has its own loop (Vector API where it pays), so every loop body is monomorphic and
 * C2 compiles it tight. Rows have a contiguous or a stride-0 operand on each side.
 */
public final class FloatBinary {
    /** The supported operations. PRELU is {@code x < 0 ? x * slope : x}; FMOD is C fmod (sign of the dividend). */
    public enum Op {
        ADD, SUB, MUL, DIV, MAX, MIN, PRELU, POW, FMOD
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /**
     * An element costs about as much as this many GEMM multiply-adds (~0.2 ns, mostly memory traffic, against
     * ~0.025 ns): {@link Parallel}'s measure. Splits are in whole cache lines' worth of vectors.
     */
    static final long ELEMENT_WORK = 8;
    static final int GRAIN = 256;

    private FloatBinary() {
    }

    /** out = op(a, b) with broadcasting; {@code out} may be the same memory as {@code a} when a has the output shape. */
    public static void apply(Op op, Broadcast plan, MemorySegment a, MemorySegment b, MemorySegment out) {
        long n = plan.rowLength();
        long rows = plan.rowCount();
        int as = plan.innerStride(0);
        int bs = plan.innerStride(1);
        long work = rows * n * ELEMENT_WORK;
        if (rows == 1 && n <= Integer.MAX_VALUE) {
            // One row (same shapes, or a scalar operand): its elements split over threads in whole vectors.
            Parallel.forRange((int) n, GRAIN, work, (from, to) -> row(op, a, from * as, as, b, from * bs, bs, out, from, to - from), a, b, out);
        } else if (rows <= Integer.MAX_VALUE) {
            Parallel.forRange((int) rows, 1, work, (from, to) -> {
                Broadcast.Cursor c = plan.cursor(from);
                for (long r = from, o = from * n; r < to; r++, o += n) {
                    row(op, a, c.offset(0), as, b, c.offset(1), bs, out, o, n);
                    c.next();
                }
            }, a, b, out);
        } else {
            Broadcast.Cursor c = plan.cursor();
            for (long r = 0, o = 0; r < rows; r++, o += n) {
                row(op, a, c.offset(0), as, b, c.offset(1), bs, out, o, n);
                c.next();
            }
        }
    }

    private static void row(Op op, MemorySegment a, long ai, int as, MemorySegment b, long bi, int bs, MemorySegment out, long o, long n) {
        switch (op) {
            case ADD -> add(a, ai, as, b, bi, bs, out, o, n);
            case SUB -> sub(a, ai, as, b, bi, bs, out, o, n);
            case MUL -> mul(a, ai, as, b, bi, bs, out, o, n);
            case DIV -> div(a, ai, as, b, bi, bs, out, o, n);
            case MAX -> max(a, ai, as, b, bi, bs, out, o, n);
            case MIN -> min(a, ai, as, b, bi, bs, out, o, n);
            case PRELU -> prelu(a, ai, as, b, bi, bs, out, o, n);
            case POW -> pow(a, ai, as, b, bi, bs, out, o, n);
            case FMOD -> fmod(a, ai, as, b, bi, bs, out, o, n);
        }
    }

    // Scalar semantics shared by the loop tails. Max/Min propagate NaN like numpy.
    private static float max(float x, float y) {
        return Math.max(x, y);
    }

    private static float min(float x, float y) {
        return Math.min(x, y);
    }

    private static float pow(float x, float y) {
        return (float) Math.pow(x, y);
    }

    private static FloatVector load(MemorySegment s, long i) {
        return FloatVector.fromMemorySegment(S, s, i * 4, NATIVE);
    }

    private static void add(MemorySegment a, long ai, int as, MemorySegment b, long bi, int bs, MemorySegment o, long oi, long n) {
        long i = 0;
        if (as == 1 && bs == 1) {
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                FloatVector vb = load(b, bi + i);
                va.add(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 1 && bs == 0) {
            FloatVector vb = FloatVector.broadcast(S, b.get(F, bi * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                va.add(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 0 && bs == 1) {
            FloatVector va = FloatVector.broadcast(S, a.get(F, ai * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector vb = load(b, bi + i);
                va.add(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        }
        for (; i < n; i++) {
            float x = a.get(F, (ai + i * as) * 4);
            float y = b.get(F, (bi + i * bs) * 4);
            o.set(F, (oi + i) * 4, x + y);
        }
    }

    private static void sub(MemorySegment a, long ai, int as, MemorySegment b, long bi, int bs, MemorySegment o, long oi, long n) {
        long i = 0;
        if (as == 1 && bs == 1) {
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                FloatVector vb = load(b, bi + i);
                va.sub(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 1 && bs == 0) {
            FloatVector vb = FloatVector.broadcast(S, b.get(F, bi * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                va.sub(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 0 && bs == 1) {
            FloatVector va = FloatVector.broadcast(S, a.get(F, ai * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector vb = load(b, bi + i);
                va.sub(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        }
        for (; i < n; i++) {
            float x = a.get(F, (ai + i * as) * 4);
            float y = b.get(F, (bi + i * bs) * 4);
            o.set(F, (oi + i) * 4, x - y);
        }
    }

    private static void mul(MemorySegment a, long ai, int as, MemorySegment b, long bi, int bs, MemorySegment o, long oi, long n) {
        long i = 0;
        if (as == 1 && bs == 1) {
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                FloatVector vb = load(b, bi + i);
                va.mul(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 1 && bs == 0) {
            FloatVector vb = FloatVector.broadcast(S, b.get(F, bi * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                va.mul(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 0 && bs == 1) {
            FloatVector va = FloatVector.broadcast(S, a.get(F, ai * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector vb = load(b, bi + i);
                va.mul(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        }
        for (; i < n; i++) {
            float x = a.get(F, (ai + i * as) * 4);
            float y = b.get(F, (bi + i * bs) * 4);
            o.set(F, (oi + i) * 4, x * y);
        }
    }

    private static void div(MemorySegment a, long ai, int as, MemorySegment b, long bi, int bs, MemorySegment o, long oi, long n) {
        long i = 0;
        if (as == 1 && bs == 1) {
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                FloatVector vb = load(b, bi + i);
                va.div(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 1 && bs == 0) {
            FloatVector vb = FloatVector.broadcast(S, b.get(F, bi * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                va.div(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 0 && bs == 1) {
            FloatVector va = FloatVector.broadcast(S, a.get(F, ai * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector vb = load(b, bi + i);
                va.div(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        }
        for (; i < n; i++) {
            float x = a.get(F, (ai + i * as) * 4);
            float y = b.get(F, (bi + i * bs) * 4);
            o.set(F, (oi + i) * 4, x / y);
        }
    }

    private static void max(MemorySegment a, long ai, int as, MemorySegment b, long bi, int bs, MemorySegment o, long oi, long n) {
        long i = 0;
        if (as == 1 && bs == 1) {
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                FloatVector vb = load(b, bi + i);
                va.max(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 1 && bs == 0) {
            FloatVector vb = FloatVector.broadcast(S, b.get(F, bi * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                va.max(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 0 && bs == 1) {
            FloatVector va = FloatVector.broadcast(S, a.get(F, ai * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector vb = load(b, bi + i);
                va.max(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        }
        for (; i < n; i++) {
            float x = a.get(F, (ai + i * as) * 4);
            float y = b.get(F, (bi + i * bs) * 4);
            o.set(F, (oi + i) * 4, max(x, y));
        }
    }

    private static void min(MemorySegment a, long ai, int as, MemorySegment b, long bi, int bs, MemorySegment o, long oi, long n) {
        long i = 0;
        if (as == 1 && bs == 1) {
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                FloatVector vb = load(b, bi + i);
                va.min(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 1 && bs == 0) {
            FloatVector vb = FloatVector.broadcast(S, b.get(F, bi * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                va.min(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 0 && bs == 1) {
            FloatVector va = FloatVector.broadcast(S, a.get(F, ai * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector vb = load(b, bi + i);
                va.min(vb).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        }
        for (; i < n; i++) {
            float x = a.get(F, (ai + i * as) * 4);
            float y = b.get(F, (bi + i * bs) * 4);
            o.set(F, (oi + i) * 4, min(x, y));
        }
    }

    private static void prelu(MemorySegment a, long ai, int as, MemorySegment b, long bi, int bs, MemorySegment o, long oi, long n) {
        long i = 0;
        if (as == 1 && bs == 1) {
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                FloatVector vb = load(b, bi + i);
                va.blend(va.mul(vb), va.compare(VectorOperators.LT, 0f)).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 1 && bs == 0) {
            FloatVector vb = FloatVector.broadcast(S, b.get(F, bi * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector va = load(a, ai + i);
                va.blend(va.mul(vb), va.compare(VectorOperators.LT, 0f)).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        } else if (as == 0 && bs == 1) {
            FloatVector va = FloatVector.broadcast(S, a.get(F, ai * 4));
            for (; i < S.loopBound(n); i += L) {
                FloatVector vb = load(b, bi + i);
                va.blend(va.mul(vb), va.compare(VectorOperators.LT, 0f)).intoMemorySegment(o, (oi + i) * 4, NATIVE);
            }
        }
        for (; i < n; i++) {
            float x = a.get(F, (ai + i * as) * 4);
            float y = b.get(F, (bi + i * bs) * 4);
            o.set(F, (oi + i) * 4, x < 0 ? x * y : x);
        }
    }

    private static void pow(MemorySegment a, long ai, int as, MemorySegment b, long bi, int bs, MemorySegment o, long oi, long n) {
        // x^2 with a scalar exponent (LayerNorm's variance) is a multiply; the product of two floats is exact in
        // double, so this gives the same result as Math.pow.
        if (as == 1 && bs == 0 && b.get(F, bi * 4) == 2f) {
            mul(a, ai, 1, a, ai, 1, o, oi, n);
            return;
        }
        for (long i = 0; i < n; i++) {
            float x = a.get(F, (ai + i * as) * 4);
            float y = b.get(F, (bi + i * bs) * 4);
            o.set(F, (oi + i) * 4, pow(x, y));
        }
    }

    private static void fmod(MemorySegment a, long ai, int as, MemorySegment b, long bi, int bs, MemorySegment o, long oi, long n) {
        for (long i = 0; i < n; i++) {
            float x = a.get(F, (ai + i * as) * 4);
            float y = b.get(F, (bi + i * bs) * 4);
            o.set(F, (oi + i) * 4, x % y);
        }
    }
}
