package dev.dnnrun.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.dnnrun.kernels.Lanes;
import dev.dnnrun.kernels.Parallel;
import dev.dnnrun.kernels.Scratch;
import dev.dnnrun.kernels.conv.ConvKernels.Geometry;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A convolution whose kernel covers its whole unpadded input, so that there is one output position and each output
 * channel is the dot product of its weight row with the input: squeeze-and-excitation blocks (1x1 convolutions of a
 * pooled 1x1 map) and classifier heads. The packed GEMM would compute a full 16-column tile for that one column (3
 * GFLOP/s on MobileNet's 144-to-576 excitation); here the weights stay row-major and each row is one vector pass.
 */
final class Dense {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Per thread: one image's input vector, one vector of lanes, four sums. */
    private static final Scratch SCRATCH = new Scratch(3);

    private final Geometry g;
    /** The weights [M, K], K = C * kernel volume. */
    private final float[] w;
    private final int k;

    Dense(Geometry g, MemorySegment weights) {
        this.g = g;
        this.k = g.channels() * g.kernelVolume();
        this.w = new float[Math.multiplyExact(g.outChannels(), k)];
        MemorySegment.copy(weights, F, 0, w, 0, w.length);
    }

    /** Whether {@link ConvKernels#conv} runs geometry {@code g} here: ungrouped, the kernel exactly the input. */
    static boolean applies(Geometry g) {
        if (g.group() != 1) {
            return false;
        }
        for (int d = 0; d < 3; d++) {
            if (g.in()[d] != g.kernel()[d] || g.out()[d] != 1 || g.padBegin()[d] != 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code y = conv(x) + bias} (bias may be null); with {@code accumulate} added to what y holds; then the Relu. */
    void run(MemorySegment x, float[] bias, MemorySegment y, boolean relu, boolean accumulate) {
        int m = g.outChannels();
        for (int n = 0; n < g.batch(); n++) {
            long xAt = (long) n * k * 4;
            long yOff = (long) n * m;
            Parallel.forRange(m, 1, (long) m * k, (from, to) -> {
                float[] v = SCRATCH.floats(0, k);
                float[] lanes = SCRATCH.floats(1, L);
                MemorySegment.copy(x, F, xAt, v, 0, k);
                float[] sums = SCRATCH.floats(2, 4);
                int oc = from;
                for (; oc + 4 <= to; oc += 4) {
                    dot4(oc * k, v, lanes, sums);
                    for (int r = 0; r < 4; r++) {
                        store(y, yOff + oc + r, sums[r] + (bias == null ? 0f : bias[oc + r]), relu, accumulate);
                    }
                }
                for (; oc < to; oc++) {
                    store(y, yOff + oc, dot(oc * k, v, lanes) + (bias == null ? 0f : bias[oc]), relu, accumulate);
                }
            }, x, y);
        }
    }

    private static void store(MemorySegment y, long index, float sum, boolean relu, boolean accumulate) {
        float v = accumulate ? sum + y.getAtIndex(F, index) : sum;
        y.setAtIndex(F, index, relu ? Math.max(0f, v) : v);
    }

    /** The dot products of weight rows at {@code w0 .. w0 + 3k} with v into {@code sums}: v is loaded once for the four. */
    private void dot4(int w0, float[] v, float[] lanes, float[] sums) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        int p = 0;
        for (; p + L <= k; p += L) {
            FloatVector x = FloatVector.fromArray(S, v, p);
            s0 = FloatVector.fromArray(S, w, w0 + p).fma(x, s0);
            s1 = FloatVector.fromArray(S, w, w0 + k + p).fma(x, s1);
            s2 = FloatVector.fromArray(S, w, w0 + 2 * k + p).fma(x, s2);
            s3 = FloatVector.fromArray(S, w, w0 + 3 * k + p).fma(x, s3);
        }
        sums[0] = finish(s0, w0, v, p, lanes);
        sums[1] = finish(s1, w0 + k, v, p, lanes);
        sums[2] = finish(s2, w0 + 2 * k, v, p, lanes);
        sums[3] = finish(s3, w0 + 3 * k, v, p, lanes);
    }

    /** The dot product of the weight row at {@code w0} with v. */
    private float dot(int w0, float[] v, float[] lanes) {
        FloatVector s = FloatVector.zero(S);
        int p = 0;
        for (; p + L <= k; p += L) {
            s = FloatVector.fromArray(S, w, w0 + p).fma(FloatVector.fromArray(S, v, p), s);
        }
        return finish(s, w0, v, p, lanes);
    }

    /** The lanes of {@code s} summed in a fixed order ({@link Lanes#sum}), plus the scalar tail from p. */
    private float finish(FloatVector s, int w0, float[] v, int p, float[] lanes) {
        float sum = Lanes.sum(s, lanes);
        for (int i = p; i < k; i++) {
            sum += w[w0 + i] * v[i];
        }
        return sum;
    }
}
