package dev.dnnrun.kernels.elementwise;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.dnnrun.kernels.Parallel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 unary kernels for the hot activations and math functions, one Vector API loop per operation (chosen
 * by a switch outside the loop). Two float parameters cover the parametric ones: LEAKY_RELU (p = alpha),
 * CLIP (p = min, q = max), HARD_SIGMOID (p = alpha, q = beta).
 */
public final class FloatUnary {
    public enum Op {
        NEG, ABS, SQRT, EXP, LOG, RECIPROCAL, RELU, SIGMOID, TANH, LEAKY_RELU, CLIP, HARD_SIGMOID, HARD_SWISH
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final float SIXTH = 1f / 6f;

    private FloatUnary() {
    }

    /** out[i] = op(in[i]) for i in [0, n); {@code out} may be {@code in}. */
    public static void apply(Op op, float p, float q, MemorySegment in, MemorySegment out, long n) {
        if (n <= Integer.MAX_VALUE) {
            // Elements split over threads in whole vectors.
            Parallel.forRange((int) n, FloatBinary.GRAIN, n * FloatBinary.ELEMENT_WORK, (from, to) -> run(op, p, q, in, out, from, to), in, out);
        } else {
            run(op, p, q, in, out, 0, n);
        }
    }

    private static void run(Op op, float p, float q, MemorySegment in, MemorySegment out, long from, long to) {
        switch (op) {
            case NEG -> neg(in, out, from, to, p, q);
            case ABS -> abs(in, out, from, to, p, q);
            case SQRT -> sqrt(in, out, from, to, p, q);
            case EXP -> exp(in, out, from, to, p, q);
            case LOG -> log(in, out, from, to, p, q);
            case RECIPROCAL -> reciprocal(in, out, from, to, p, q);
            case RELU -> relu(in, out, from, to, p, q);
            case SIGMOID -> sigmoid(in, out, from, to, p, q);
            case TANH -> tanh(in, out, from, to, p, q);
            case LEAKY_RELU -> leakyRelu(in, out, from, to, p, q);
            case CLIP -> clip(in, out, from, to, p, q);
            case HARD_SIGMOID -> hardSigmoid(in, out, from, to, p, q);
            case HARD_SWISH -> hardSwish(in, out, from, to, p, q);
        }
    }

    private static FloatVector load(MemorySegment s, long i) {
        return FloatVector.fromMemorySegment(S, s, i * 4, NATIVE);
    }

    private static void neg(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            v.neg().intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, -x);
        }
    }

    private static void abs(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            v.abs().intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, Math.abs(x));
        }
    }

    private static void sqrt(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            v.sqrt().intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, (float) Math.sqrt(x));
        }
    }

    private static void exp(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            v.lanewise(VectorOperators.EXP).intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, (float) Math.exp(x));
        }
    }

    private static void log(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            v.lanewise(VectorOperators.LOG).intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, (float) Math.log(x));
        }
    }

    private static void reciprocal(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            ONE.div(v).intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, 1f / x);
        }
    }

    private static void relu(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            v.max(0f).intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, Math.max(x, 0f));
        }
    }

    private static void sigmoid(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            ONE.div(ONE.add(v.neg().lanewise(VectorOperators.EXP))).intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, (float) (1.0 / (1.0 + Math.exp(-x))));
        }
    }

    private static void tanh(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            v.lanewise(VectorOperators.TANH).intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, (float) Math.tanh(x));
        }
    }

    private static void leakyRelu(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            v.blend(v.mul(p), v.compare(VectorOperators.LT, 0f)).intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, x < 0f ? x * p : x);
        }
    }

    private static void clip(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            v.max(p).min(q).intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, Math.min(Math.max(x, p), q));
        }
    }

    private static void hardSigmoid(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            v.mul(p).add(q).max(0f).min(1f).intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, Math.min(Math.max(x * p + q, 0f), 1f));
        }
    }

    private static void hardSwish(MemorySegment in, MemorySegment out, long from, long to, float p, float q) {
        long i = from;
        for (; i <= to - L; i += L) {
            FloatVector v = load(in, i);
            v.mul(v.mul(SIXTH).add(0.5f).max(0f).min(1f)).intoMemorySegment(out, i * 4, NATIVE);
        }
        for (; i < to; i++) {
            float x = in.get(F, i * 4);
            out.set(F, i * 4, x * Math.min(Math.max(x * (1f / 6f) + 0.5f, 0f), 1f));
        }
    }
}
