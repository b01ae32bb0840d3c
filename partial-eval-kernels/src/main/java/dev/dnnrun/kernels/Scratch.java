package dev.dnnrun.kernels;

/**
 * Per-thread float arrays that a kernel reuses across calls, so that steady-state inference allocates no scratch:
 * each thread (the caller and the kernel threads of {@link Parallel}) has its own, grown on demand and never shrunk.
 */
public final class Scratch {
    private final ThreadLocal<float[][]> arrays;

    /** {@code count} arrays per thread, numbered from 0. */
    public Scratch(int count) {
        arrays = ThreadLocal.withInitial(() -> new float[count][0]);
    }

    /** This thread's array {@code which}, at least {@code size} floats long; it holds whatever its last use left. */
    public float[] floats(int which, long size) {
        float[][] a = arrays.get();
        if (a[which].length < size) {
            a[which] = new float[Math.toIntExact(size)];
        }
        return a[which];
    }
}
