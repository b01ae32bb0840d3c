package dev.dnnrun.kernels;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * Splits a kernel's independent output columns over the CPU's cores. The thread count is the system property
 * {@code dnnrun.threads} (default: the available processors); 1 runs everything on the calling thread. Work is cut
 * into at most one chunk per thread, each a multiple of a grain (a GEMM panel width), so every output is computed by
 * exactly the code and summation order of the single-threaded kernel: results do not depend on the thread count.
 */
public final class Parallel {
    /**
     * Below this many multiply-adds a split costs more than it saves: waking a pool thread takes tens of
     * microseconds. At two threads, alternating thresholds every 40 calls in one process, 3M against 1M ran the
     * mobile classifier (many 1-4M convolutions) 5% faster and the text detector the same.
     */
    public static final long MIN_WORK = 3L << 20;
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

    private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS, pool -> {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setName("dnnrun-kernel-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }, null, false) : null;

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
     * Runs {@code body} over {@code [0, n)} in chunks that are multiples of {@code grain}, in parallel when the whole
     * job is worth {@code work} multiply-adds of at least {@link #MIN_WORK}; on the calling thread otherwise, and
     * always when called from inside another split (no nesting) or when some of {@code memory} is confined to the
     * calling thread.
     */
    public static void forRange(int n, int grain, long work, Range body, MemorySegment... memory) {
        int chunks = POOL == null || work < MIN_WORK || Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == POOL
                        || !shared(memory) ? 1 : Math.min(THREADS, (n + grain - 1) / grain);
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        int grains = (n + grain - 1) / grain;
        List<ForkJoinTask<?>> others = new ArrayList<>(chunks - 1);
        int first = 0;
        for (int c = 0; c < chunks; c++) {
            int from = Math.min(n, grains * c / chunks * grain);
            int to = c == chunks - 1 ? n : Math.min(n, grains * (c + 1) / chunks * grain);
            if (c == 0) {
                first = to; // the calling thread takes the first chunk itself
            } else if (from < to) {
                others.add(POOL.submit(() -> body.run(from, to)));
            }
        }
        try {
            body.run(0, first);
        } finally {
            for (ForkJoinTask<?> task : others) {
                task.join(); // rethrows a chunk's exception
            }
        }
    }
}
