package dev.dnnrun.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread native memory that a kernel reuses across calls, for intermediates that go through the shared GEMM and
 * store paths. Those paths must only ever see native segments: C2 intrinsifies the Vector API's segment loads and
 * stores for the segment class it profiled, and a heap segment ({@code MemorySegment.ofArray}) passed where native
 * ones usually go turned them into allocating Java code for every caller (Winograd's blocks made SqueezeNet's
 * pointwise packing allocate ~40% of its steady-state garbage). Grown on demand, never shrunk; freed with its thread.
 */
public final class NativeScratch {
    private final ThreadLocal<MemorySegment[]> segments;

    /** {@code count} segments per thread, numbered from 0. */
    public NativeScratch(int count) {
        segments = ThreadLocal.withInitial(() -> new MemorySegment[count]);
    }

    /** This thread's segment {@code which}, at least {@code bytes} long, 64-byte aligned; it holds whatever its last use left. */
    public MemorySegment bytes(int which, long bytes) {
        MemorySegment[] s = segments.get();
        if (s[which] == null || s[which].byteSize() < bytes) {
            s[which] = Arena.ofAuto().allocate(Math.max(bytes, 64), 64);
        }
        return s[which];
    }
}
