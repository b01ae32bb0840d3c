package dev.dnnrun.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.dnnrun.kernels.conv.ConvKernels;
import dev.dnnrun.kernels.gemm.Sgemm;

/**
 * dnnrun's own CPU kernels in isolation (one thread, see BenchmarkMain): square SGEMM, and the 3x3 convolutions that
 * dominate ResNet-50 (64 channels at 56x56, 512 at 7x7). FLOPs per op: SGEMM 2*n^3; conv 2*C*C*9*H*W, i.e.
 * 231 MFLOP for both shapes. {@code benchmarks/run.sh KernelBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class KernelBenchmark {

    @State(Scope.Thread)
    public static class Gemm {
        @Param({"256", "1024"})
        public int size;
        Arena arena;
        MemorySegment a, b, c;

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            a = filled(arena, size * size);
            b = filled(arena, size * size);
            c = arena.allocate(4L * size * size, 64);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    @State(Scope.Thread)
    public static class Conv {
        /** channels x height x width; 3x3, pad 1, stride 1, as many output channels as input ones, fused ReLU. */
        @Param({"64x56x56", "512x7x7"})
        public String shape;
        Arena arena;
        ConvKernels.Geometry geometry;
        ConvKernels.Weights weights;
        MemorySegment x, y;

        @Setup(Level.Trial)
        public void setUp() {
            String[] p = shape.split("x");
            int c = Integer.parseInt(p[0]), h = Integer.parseInt(p[1]), w = Integer.parseInt(p[2]);
            geometry = new ConvKernels.Geometry(1, c, c, 1, new int[] {1, h, w}, new int[] {1, 3, 3}, new int[] {1, h, w},
                            new int[] {1, 1, 1}, new int[] {0, 1, 1}, new int[] {1, 1, 1});
            arena = Arena.ofShared();
            x = filled(arena, c * h * w);
            y = arena.allocate(4L * c * h * w, 64);
            weights = ConvKernels.prepare(geometry, filled(arena, c * c * 9));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    @Benchmark
    public MemorySegment sgemm(Gemm g) {
        Sgemm.sgemm(false, false, g.size, g.size, g.size, 1f, g.a, 0, g.size, g.b, 0, g.size, 0f, g.c, 0, g.size);
        return g.c;
    }

    @Benchmark
    public MemorySegment conv3x3(Conv c) {
        ConvKernels.conv(c.geometry, c.x, c.weights, null, c.y, true);
        return c.y;
    }

    static MemorySegment filled(Arena arena, int n) {
        MemorySegment s = arena.allocate(4L * n, 64);
        for (int i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, ((i * 7919L) % 200) / 100f - 1f);
        }
        return s;
    }
}
