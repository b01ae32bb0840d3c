package dev.dnnrun.language.accel;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.arrow.memory.BufferAllocator;

import com.oracle.truffle.api.TruffleLogger;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.nodes.EagerRunner;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * {@code --accel auto}: on a segment's first run, times it with the real inputs on every candidate backend that
 * supports all its operators and on the CPU, and picks the fastest. Times are cached per machine
 * ({@link CostCache}). All backends here share host memory, so a segment's time already includes moving its
 * tensors; a device backend's execute includes its copies.
 */
final class AutoPlacement {
    private final List<Accelerator> candidates;
    private final CostCache costs;
    private final TruffleLogger log;

    AutoPlacement(List<Accelerator> candidates, CostCache costs, TruffleLogger log) {
        this.candidates = candidates;
        this.costs = costs;
        this.log = log;
    }

    /** The segment's operators as the CPU runs them, for timing: graph nodes with their operator nodes, and the constants. */
    record CpuBody(List<GraphNode> nodes, OpNode[] ops, Map<String, Tensor> constants) {
    }

    /**
     * The fastest backend for {@code segment} on inputs {@code in}, or null when the CPU is; writes the measurements
     * to the segment's record.
     */
    Accelerator choose(Segment segment, CpuBody cpu, Tensor[] in, BufferAllocator allocator, SegmentRecord record) {
        String key = segmentKey(segment);
        StringBuilder report = new StringBuilder();
        Accelerator best = null;
        long bestNanos = cost("cpu", key, record, () -> timeOnCpu(cpu, segment.inputs(), in, allocator));
        report.append("cpu ").append(millis(bestNanos));
        for (Accelerator a : candidates) {
            if (!segment.ops().stream().allMatch(op -> supportsQuietly(a, op))) {
                continue;
            }
            long t = cost(a.name(), key, record, () -> timeOn(a, segment, in, allocator));
            report.append(", ").append(a.name()).append(' ').append(t == Long.MAX_VALUE ? "failed" : millis(t));
            if (t < bestNanos) {
                bestNanos = t;
                best = a;
            }
        }
        record.chosen((best == null ? "cpu" : best.name()) + " (measured: " + report + ")");
        if (best == null) {
            record.choseCpu();
        }
        return best;
    }

    private interface Timing {
        long nanos() throws Exception;
    }

    /** The cached time, or a new measurement (Long.MAX_VALUE when the run fails). */
    private long cost(String backendName, String key, SegmentRecord record, Timing timing) {
        Long cached = costs == null ? null : costs.get(backendName, key);
        if (cached != null) {
            return cached;
        }
        try {
            long t = timing.nanos();
            if (costs != null) {
                costs.put(backendName, key, t);
            }
            return t;
        } catch (Throwable e) {
            log.fine("segment " + record.id() + ": measuring on " + backendName + " failed: " + e);
            return Long.MAX_VALUE;
        }
    }

    private static boolean supportsQuietly(Accelerator a, OpView op) {
        try {
            return a.supports(op).supported();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }

    /** The segment's identity for the cost cache: operators and their input types. */
    private static String segmentKey(Segment s) {
        StringBuilder sb = new StringBuilder();
        for (OpView op : s.ops()) {
            sb.append(op.opType()).append(op.inputTypes()).append(';');
        }
        return sb.toString().replace('\t', ' ');
    }

    /** Compiles the segment on {@code a} and times its calls, made as the AST makes them. */
    private static long timeOn(Accelerator a, Segment segment, Tensor[] in, BufferAllocator allocator) throws Exception {
        List<TensorType> types = segment.outputTypes();
        DType[] outTypes = new DType[types.size()];
        long[][] outShapes = new long[types.size()][];
        for (int i = 0; i < outTypes.length; i++) {
            outTypes[i] = types.get(i).dtype();
            outShapes[i] = types.get(i).shape();
        }
        try (CompiledSegment c = a.compile(segment)) {
            return steadyBest(() -> {
                long start = System.nanoTime();
                Tensor[] out = ForeignCallNode.invoke(c, in, outTypes, outShapes, allocator);
                long nanos = System.nanoTime() - start;
                for (Tensor t : out) {
                    t.close();
                }
                return nanos;
            });
        }
    }

    /** Runs the segment's CPU operators eagerly (as constant folding does) and times them. */
    private static long timeOnCpu(CpuBody cpu, List<String> inputs, Tensor[] in, BufferAllocator allocator) throws Exception {
        Plan[] plans = new Plan[cpu.nodes().size()]; // planned on the first run, reused as the AST's plan caches do
        return steadyBest(() -> {
            try (EagerRunner runner = new EagerRunner()) {
                runner.putAll(cpu.constants());
                for (int i = 0; i < in.length; i++) {
                    runner.put(inputs.get(i), in[i]);
                }
                long start = System.nanoTime();
                for (int k = 0; k < plans.length; k++) {
                    plans[k] = runner.run(cpu.nodes().get(k), cpu.ops()[k], plans[k], allocator);
                }
                return System.nanoTime() - start;
            }
        });
    }

    /**
     * The best time of repeated runs once they are steady: the first run is a warm-up, then runs continue until the
     * best has not improved by 5% for three runs (at least three timed runs, at most 30 or about two seconds). The
     * CPU's kernels are Java code that the JIT compiles during these runs, so a fixed small count would measure
     * them half-compiled and favour the native backends.
     */
    private static long steadyBest(Timing oneRun) throws Exception {
        long best = Long.MAX_VALUE;
        long deadline = System.nanoTime() + 2_000_000_000L;
        int sinceImproved = 0;
        for (int run = 0; run <= 30; run++) {
            long t = oneRun.nanos();
            if (run == 0) {
                continue;
            }
            sinceImproved = t < best - best / 20 ? 0 : sinceImproved + 1;
            best = Math.min(best, t);
            if (run >= 3 && (sinceImproved >= 3 || System.nanoTime() > deadline)) {
                break;
            }
        }
        return best;
    }
}
