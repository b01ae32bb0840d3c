package dev.dnnrun.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.dnnrun.kernels.conv.ConvKernels;
import dev.dnnrun.kernels.elementwise.Broadcast;
import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.kernels.elementwise.Softmax;
import dev.dnnrun.kernels.gemm.Sgemm;
import dev.dnnrun.kernels.pool.PoolKernels;

/**
 * Runs the hot float32 kernels on small data, once per JVM, on a background thread, so that HotSpot has compiled
 * them by the time a model's first run needs them. Until the JIT's last tier compiles it, Vector API code runs in the
 * bytecode interpreter or C1, where every vector operation allocates: a model's first run was measured at 1.3–1.6 s
 * for light SqueezeNet against ~25 ms warm, almost all in convolution, GEMM and pooling kernels. Started when a
 * context is created, the warm-up overlaps with loading the model (its own parse and class loading run on the
 * caller's thread). Work stays below {@link Parallel#MIN_WORK} so that it never occupies the kernel pool, and the
 * thread is a daemon that never delays exit. {@code -Ddnnrun.kernelWarmup=false} turns it off.
 */
public final class KernelWarmup {
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    /** Rounds over every kernel; enough for the last tier's invocation and loop thresholds at these sizes. */
    static final int ROUNDS = 400;

    private KernelWarmup() {
    }

    /** Starts the warm-up thread unless it already ran in this JVM or {@code dnnrun.kernelWarmup} is false. */
    public static void startOnce() {
        if (Boolean.parseBoolean(System.getProperty("dnnrun.kernelWarmup", "true")) && STARTED.compareAndSet(false, true)) {
            Thread t = new Thread(() -> run(ROUNDS), "dnnrun-kernel-warmup");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            t.start();
        }
    }

    /** Whether the warm-up was started in this JVM. */
    public static boolean started() {
        return STARTED.get();
    }

    /** {@code rounds} passes over the kernels, on the calling thread. */
    static void run(int rounds) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = filled(arena, 16 * 14 * 14);
            MemorySegment w3 = filled(arena, 16 * 16 * 9);
            MemorySegment w1 = filled(arena, 16 * 16);
            MemorySegment dw = filled(arena, 16 * 9);
            MemorySegment y = arena.allocate(4L * 16 * 14 * 14, 64);
            MemorySegment small = arena.allocate(4L * 16 * 7 * 7, 64);
            float[] bias = new float[16];
            ConvKernels.Geometry conv3 = geometry(16, 1, 3, 1, 1, 14);
            ConvKernels.Geometry conv1 = geometry(16, 1, 1, 1, 0, 14);
            ConvKernels.Geometry depthwise = geometry(16, 16, 3, 1, 1, 14);
            ConvKernels.Geometry strided = geometry(16, 1, 3, 2, 1, 7);
            ConvKernels.Weights p3 = ConvKernels.prepare(conv3, w3);
            ConvKernels.Weights p1 = ConvKernels.prepare(conv1, w1);
            ConvKernels.Weights pd = ConvKernels.prepare(depthwise, dw);
            PoolKernels.Window pool = new PoolKernels.Window(16, new int[] {1, 14, 14}, new int[] {1, 3, 3}, new int[] {1, 7, 7},
                            new int[] {1, 2, 2}, new int[] {0, 1, 1}, new int[] {0, 1, 1}, new int[] {1, 1, 1});
            Broadcast same = Broadcast.of(new long[] {16, 196}, new long[] {16, 196});
            Broadcast perChannel = Broadcast.of(new long[] {16, 196}, new long[] {16, 1});
            for (int r = 0; r < rounds; r++) {
                ConvKernels.conv(conv3, x, p3, bias, y, r % 2 == 0);
                ConvKernels.conv(conv1, y, p1, bias, x, r % 2 == 1);
                ConvKernels.conv(depthwise, x, pd, bias, y, r % 2 == 0);
                ConvKernels.conv(strided, y, p3, null, small, false);
                Sgemm.sgemm(false, r % 2 == 0, 16, 196, 16, 1f, w1, 0, 16, x, 0, r % 2 == 0 ? 16 : 196, 0f, y, 0, 196);
                PoolKernels.maxPool(pool, y, small, null, false);
                PoolKernels.averagePool(pool, y, small, false);
                PoolKernels.globalPool(y, small, 16, 196, r % 2 == 0);
                FloatBinary.apply(FloatBinary.Op.ADD, same, x, y, y);
                FloatBinary.apply(FloatBinary.Op.MUL, perChannel, x, small, y);
                FloatUnary.apply(FloatUnary.Op.RELU, 0, 0, y, x, 16 * 196);
                FloatUnary.apply(r % 2 == 0 ? FloatUnary.Op.CLIP : FloatUnary.Op.SIGMOID, 0, 6, x, y, 16 * 196);
                Softmax.applyFloat(Softmax.Mode.SOFTMAX, y, x, 16, 196, 1);
                rescale(x);
            }
        }
    }

    /** A square 2-D convolution with 16 in and out channels over {@code 14 x 14} (or strided to {@code out}). */
    private static ConvKernels.Geometry geometry(int channels, int group, int k, int stride, int pad, int out) {
        return new ConvKernels.Geometry(1, channels, 16, group, new int[] {1, 14, 14}, new int[] {1, k, k}, new int[] {1, out, out},
                        new int[] {1, stride, stride}, new int[] {0, pad, pad}, new int[] {1, 1, 1});
    }

    private static MemorySegment filled(Arena arena, int n) {
        MemorySegment s = arena.allocate(4L * n, 64);
        for (int i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 7 - 3) * 0.125f);
        }
        return s;
    }

    /** Keeps values bounded across rounds (results are discarded; only the compiled code matters). */
    private static void rescale(MemorySegment x) {
        for (long i = 0; i < x.byteSize() / 4; i++) {
            x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 5 - 2) * 0.25f);
        }
    }
}
