package dev.dnnrun.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Worker threads that run a split kernel's chunks beside the calling thread. A model calls one kernel after another
 * microseconds apart, so a worker that has just finished spins for a while before it parks: handing it the next
 * kernel then costs a memory write (~0.1 us) instead of a wake-up through the OS (~16 us median, measured on the
 * 2-core development machine), which is what makes splitting small convolutions pay. The caller takes chunks too,
 * from the same counter, so a worker that wakes late costs nothing but its share. One job runs at a time: a second
 * thread calling in meanwhile (another model served concurrently) runs its kernel unsplit, instead of
 * oversubscribing the cores.
 */
final class SpinningPool {
    /** How long a worker spins after its last chunk before parking. */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    /** One split kernel: chunks {@code [0, chunks)} handed out by {@code next}; a fresh object per call. */
    private static final class Job {
        private static final VarHandle NEXT;
        private static final VarHandle DONE;
        private static final VarHandle FAILURE;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                NEXT = lookup.findVarHandle(Job.class, "next", int.class);
                DONE = lookup.findVarHandle(Job.class, "done", int.class);
                FAILURE = lookup.findVarHandle(Job.class, "failure", Throwable.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Parallel.Range body;
        final int n;
        final int grain;
        final int chunks;
        // Counters as fields with VarHandles rather than Atomic* objects: a job is allocated per split kernel call.
        volatile int next;
        volatile int done;
        volatile Throwable failure;

        Job(Parallel.Range body, int n, int grain, int chunks) {
            this.body = body;
            this.n = n;
            this.grain = grain;
            this.chunks = chunks;
        }

        /** Runs chunks until none is left. */
        void work() {
            int grains = (n + grain - 1) / grain;
            for (int c; (c = (int) NEXT.getAndAdd(this, 1)) < chunks;) {
                int from = Math.min(n, (int) ((long) grains * c / chunks) * grain);
                int to = c == chunks - 1 ? n : Math.min(n, (int) ((long) grains * (c + 1) / chunks) * grain);
                try {
                    if (from < to) {
                        body.run(from, to);
                    }
                } catch (Throwable t) {
                    FAILURE.compareAndSet(this, null, t);
                } finally {
                    DONE.getAndAdd(this, 1);
                }
            }
        }
    }

    /** A pool thread; kernels called from one run unsplit (no nesting). */
    static final class Worker extends Thread {
        private final SpinningPool pool;
        private volatile boolean parked;

        Worker(SpinningPool pool, int index) {
            super("dnnrun-kernel-" + index);
            this.pool = pool;
            setDaemon(true);
        }

        @Override
        public void run() {
            Job seen = null;
            while (true) {
                Job job = pool.job;
                if (job != seen) {
                    seen = job;
                    job.work();
                    continue;
                }
                long until = System.nanoTime() + SPIN_NANOS;
                while (pool.job == seen && System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                if (pool.job == seen) {
                    parked = true;
                    if (pool.job == seen) { // checked again after announcing: a publisher that missed the flag wrote first
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
        }
    }

    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Job job;

    SpinningPool(int threads) {
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(this, i);
            workers[i].start();
        }
    }

    /** Runs {@code body} over {@code [0, n)} in {@code chunks} grain-aligned chunks, the caller taking its share. */
    void run(int n, int grain, int chunks, Parallel.Range body) {
        if (!busy.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            Job j = new Job(body, n, grain, chunks);
            job = j;
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            j.work();
            for (int spins = 0; j.done < chunks; spins++) {
                if (spins < 1 << 16) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield(); // a worker holding a chunk was descheduled
                }
            }
            Throwable t = j.failure;
            if (t instanceof RuntimeException e) {
                throw e;
            } else if (t instanceof Error e) {
                throw e;
            } else if (t != null) {
                throw new IllegalStateException(t);
            }
        } finally {
            busy.set(false);
        }
    }
}
