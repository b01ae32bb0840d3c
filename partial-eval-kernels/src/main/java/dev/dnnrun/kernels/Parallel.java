package dev.dnnrun.kernels;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Splits a kernel's independent outputs (columns, rows, planes, elements) over the CPU's cores. The thread count is the system property
 * {@code dnnrun.threads} (default: the available processors); 1 runs everything on the calling thread. Work is cut
 * into a few chunks per thread, each a multiple of a grain (a GEMM panel width), so every output is computed by
 * exactly the code and summation order of the single-threaded kernel: results do not depend on the thread count.
 */
public final class Parallel {
    /**
     * Below this many multiply-adds a split costs more than it saves. With spinning workers (SpinningPool) a
     * hand-off costs ~0.1 us; at two threads, thresholds alternating in one process, 64K ran the mobile classifier
     * 1.55 ms and the text detector 7.6 ms per call against 2.0 and 8.0 ms at 256K (and 2.3 and 10.3 ms with the
     * earlier fork-join pool at 3M); 32K and 16K measured the same as 64K.
     */
    public static final long MIN_WORK = 1L << 16;
    /**
     * Chunks per thread: SqueezeNet at two threads ran 11.8 ms per call with 4 against 13.9 ms with 1 (a worker
     * woken from its park starts ~16 us late; the caller takes its chunks meanwhile); 8 measured the same as 4.
     */
    private static final int CHUNKS_PER_THREAD = 4;
    /**
     * The process's first splittable kernel calls run unsplit: while the kernels are still interpreted a second
     * thread interprets them too, and the other core is worth more to the JIT compiler. bin/dnnrun at two threads,
     * first run, three runs each alternating: SqueezeNet 0.73-0.84 s with 300 against 0.75-0.96 s with none, the text
     * recogniser 1.10-1.22 s against 1.20-1.30 s (its first call makes ~150 such calls, SqueezeNet's ~40). The
     * system property {@code dnnrun.unsplitCalls} sets the count (the kernel tests use 0).
     */
    private static final AtomicInteger UNSPLIT_FIRST = new AtomicInteger(Integer.getInteger("dnnrun.unsplitCalls", 300));
    /** Null, or why {@code dnnrun.threads} could not be used (then one thread is used and the context reports it). */
    private static final String PROBLEM;
    private static final int THREADS;

    static {
        int n = 1;
        String problem = null;
        try {
            n = threadCount(System.getProperty("dnnrun.threads"));
        } catch (IllegalArgumentException e) {
            problem = e.getMessage();
        }
        THREADS = n;
        PROBLEM = problem;
    }

    private static final SpinningPool POOL = THREADS > 1 ? new SpinningPool(THREADS) : null;

    /** A range of columns {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private Parallel() {
    }

    static int threadCount(String property) {
        if (property == null || property.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(property.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("dnnrun.threads=" + property + ": expected a positive thread count");
    }

    /** A thread that never runs: memory it may access is memory any thread may access (not confined). */
    private static final Thread ANOTHER_THREAD = new Thread(() -> {
    });

    private static boolean shared(MemorySegment[] memory) {
        for (MemorySegment m : memory) {
            if (!m.isAccessibleBy(ANOTHER_THREAD)) {
                return false;
            }
        }
        return true;
    }

    /** Why the configured thread count is unusable, or null. */
    public static String configurationProblem() {
        return PROBLEM;
    }

    /** The configured thread count. */
    public static int threads() {
        return THREADS;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks that are multiples of {@code grain}, several per thread so that
     * the caller takes over the chunks of a worker that starts late, in parallel when the whole job is worth
     * {@code work} multiply-adds of at least {@link #MIN_WORK}; on the calling thread otherwise, and always when called
     * from inside another split (no nesting) or when some of {@code memory} is confined to the calling thread.
     */
    public static void forRange(int n, int grain, long work, Range body, MemorySegment... memory) {
        forRange(n, grain, work, CHUNKS_PER_THREAD, body, memory);
    }

    /**
     * As {@link #forRange(int, int, long, Range, MemorySegment...)} with {@code chunksPerThread} chunks per thread:
     * 1 where every chunk has a fixed cost of its own (a GEMM that packs its left operand per chunk).
     */
    public static void forRange(int n, int grain, long work, int chunksPerThread, Range body, MemorySegment... memory) {
        if (POOL != null && UNSPLIT_FIRST.get() > 0 && work >= MIN_WORK && UNSPLIT_FIRST.getAndDecrement() > 0) {
            body.run(0, n);
            return;
        }
        int chunks = POOL == null || work < MIN_WORK || Thread.currentThread() instanceof SpinningPool.Worker || !shared(memory)
                        ? 1 : Math.min(THREADS * chunksPerThread, (n + grain - 1) / grain);
        if (chunks <= 1) {
            body.run(0, n);
        } else {
            POOL.run(n, grain, chunks, body);
        }
    }
}
