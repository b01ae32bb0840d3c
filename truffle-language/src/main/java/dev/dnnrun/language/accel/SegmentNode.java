package dev.dnnrun.language.accel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.arrow.memory.BufferAllocator;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLogger;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.ExplodeLoop;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.language.DnnLanguage;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.nodes.DnnException;
import dev.dnnrun.language.nodes.ExecNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * A group of operators the partitioner placed on an accelerator, before it has run. On its first execution, when
 * the input shapes are known, it compiles the segment on its backend for those shapes and replaces itself with a
 * {@link ForeignCallNode}; if the backend declines or fails, it replaces itself with the CPU operators it holds
 * ({@link CpuSegmentNode}) and records why, so the model still runs. Up to {@link #SPECIALISATION_LIMIT} input
 * signatures get compiled segments (kept here, like an inline cache); beyond that the segment stays on the CPU.
 */
public final class SegmentNode extends ExecNode {
    static final int SPECIALISATION_LIMIT = 4;
    private static final TruffleLogger LOG = TruffleLogger.getLogger(DnnLanguage.ID, "accel");

    private final Accelerator backend;
    private final SegmentRecord record;
    private final List<GraphNode> nodes;
    private final List<String> inputs;
    private final List<String> outputs;
    private final Map<String, Tensor> constants;
    @Children private final OpNode[] cpuOps;
    @CompilationFinal(dimensions = 1) private final int[] inputSlots;
    @CompilationFinal(dimensions = 1) private final int[] outputSlots;
    @CompilationFinal(dimensions = 1) private final int[] releaseSlots;
    /** A compiled segment and its output types, per input signature. */
    private record Compiled(CompiledSegment segment, TensorType[] outputTypes) {
    }

    private final Map<List<TensorType>, Compiled> compiled = new HashMap<>();
    private boolean onCpu;
    /** With --accel auto: every available backend (and the CPU) is measured on the first run; null otherwise. */
    private final List<Accelerator> autoCandidates;
    private final CostCache costs;
    private Accelerator chosen;

    public SegmentNode(Accelerator backend, SegmentRecord record, List<GraphNode> nodes, OpNode[] cpuOps, List<String> inputs,
                    int[] inputSlots, List<String> outputs, int[] outputSlots, int[] releaseSlots, Map<String, Tensor> constants,
                    List<Accelerator> autoCandidates, CostCache costs) {
        this.autoCandidates = autoCandidates;
        this.costs = costs;
        this.backend = backend;
        this.chosen = backend;
        this.record = record;
        this.nodes = nodes;
        this.cpuOps = cpuOps;
        this.inputs = inputs;
        this.inputSlots = inputSlots;
        this.outputs = outputs;
        this.outputSlots = outputSlots;
        this.releaseSlots = releaseSlots;
        this.constants = constants;
    }

    SegmentRecord record() {
        return record;
    }

    /** The record the AST builder hands to the model object (for --explain). */
    public SegmentRecord recordForAst() {
        return record;
    }

    int[] inputSlots() {
        return inputSlots;
    }

    int[] outputSlots() {
        return outputSlots;
    }

    int[] segmentReleaseSlots() {
        return releaseSlots;
    }

    @Override
    public void execute(VirtualFrame frame, BufferAllocator allocator) {
        CompilerDirectives.transferToInterpreterAndInvalidate();
        Tensor[] in = new Tensor[inputSlots.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = (Tensor) frame.getObject(inputSlots[i]);
        }
        replace(specialize(in, allocator)).execute(frame, allocator);
    }

    /** The node to run for these inputs: a foreign call compiled for their signature, or the CPU operators. */
    @TruffleBoundary
    ExecNode specialize(Tensor[] in, BufferAllocator allocator) {
        if (onCpu) {
            return cpu();
        }
        List<TensorType> signature = new ArrayList<>();
        for (Tensor t : in) {
            signature.add(new TensorType(t.dtype(), t.shape().clone()));
        }
        Compiled hit = compiled.get(signature);
        if (hit != null) {
            return new ForeignCallNode(this, hit.segment(), signature.toArray(new TensorType[0]), hit.outputTypes());
        }
        if (compiled.size() >= SPECIALISATION_LIMIT) {
            return fallBack("more than " + SPECIALISATION_LIMIT + " input signatures; using the generic CPU path");
        }
        Segment segment;
        try {
            segment = describe(in, signature);
        } catch (UnsupportedSegmentException e) {
            return fallBack(e.getMessage());
        }
        if (autoCandidates != null && compiled.isEmpty()) {
            chosen = choose(segment, in, allocator);
            if (chosen == null) {
                return cpu();
            }
        }
        CompiledSegment c;
        try {
            c = chosen.compile(segment);
            if (c == null) {
                return fallBack("backend returned no compiled segment");
            }
        } catch (UnsupportedSegmentException e) {
            return fallBack("declined: " + e.getMessage());
        } catch (Throwable t) {
            return fallBack("compile failed: " + t);
        }
        Compiled entry = new Compiled(c, segment.outputTypes().toArray(new TensorType[0]));
        compiled.put(signature, entry);
        record.compiled(chosen.name(), signature.toString());
        return new ForeignCallNode(this, c, signature.toArray(new TensorType[0]), entry.outputTypes());
    }

    /**
     * --accel auto: times the segment on every candidate backend that supports all its operators and on the CPU,
     * with the real inputs (after a warm-up, the best of the runs once they are steady), and returns the fastest backend, or null when the
     * CPU wins. Times are cached per machine. All backends here share host memory, so a segment's time already
     * includes moving its tensors; a device backend's execute includes its copies.
     */
    private Accelerator choose(Segment segment, Tensor[] in, BufferAllocator allocator) {
        String key = segmentKey(segment);
        StringBuilder report = new StringBuilder();
        Accelerator best = null;
        long bestNanos = cost("cpu", key, () -> timeOnCpu(in, allocator));
        report.append("cpu ").append(millis(bestNanos));
        for (Accelerator a : autoCandidates) {
            if (!segment.ops().stream().allMatch(op -> supportsQuietly(a, op))) {
                continue;
            }
            long t = cost(a.name(), key, () -> timeOn(a, segment, in, allocator));
            report.append(", ").append(a.name()).append(' ').append(t == Long.MAX_VALUE ? "failed" : millis(t));
            if (t < bestNanos) {
                bestNanos = t;
                best = a;
            }
        }
        record.chosen((best == null ? "cpu" : best.name()) + " (measured: " + report + ")");
        if (best == null) {
            onCpu = true;
            record.choseCpu();
        }
        return best;
    }

    private interface Timing {
        long nanos() throws Exception;
    }

    private long cost(String backendName, String key, Timing timing) {
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
            LOG.fine("segment " + record.id() + ": measuring on " + backendName + " failed: " + e);
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
        return String.format(java.util.Locale.ROOT, "%.3f ms", nanos / 1e6);
    }

    /** The segment's identity for the cost cache: operators, attributes' shapes and input types. */
    private static String segmentKey(Segment s) {
        StringBuilder sb = new StringBuilder();
        for (OpView op : s.ops()) {
            sb.append(op.opType()).append(op.inputTypes()).append(';');
        }
        return sb.toString().replace('\t', ' ');
    }

    private long timeOn(Accelerator a, Segment segment, Tensor[] in, BufferAllocator allocator) throws Exception {
        try (CompiledSegment c = a.compile(segment)) {
            org.apache.arrow.memory.ArrowBuf[] inBufs = new org.apache.arrow.memory.ArrowBuf[in.length];
            for (int i = 0; i < in.length; i++) {
                inBufs[i] = in[i].arrowBuffer();
            }
            Tensor[] out = new Tensor[segment.outputs().size()];
            org.apache.arrow.memory.ArrowBuf[] outBufs = new org.apache.arrow.memory.ArrowBuf[out.length];
            try {
                for (int i = 0; i < out.length; i++) {
                    TensorType t = segment.outputTypes().get(i);
                    out[i] = Tensor.allocate(allocator, t.dtype(), t.shape());
                    outBufs[i] = out[i].arrowBuffer();
                }
                return steadyBest(() -> {
                    long start = System.nanoTime();
                    c.execute(inBufs, outBufs);
                    return System.nanoTime() - start;
                });
            } finally {
                for (Tensor t : out) {
                    if (t != null) {
                        t.close();
                    }
                }
            }
        }
    }

    /** Runs the segment's CPU operators outside the AST (as constant folding does) and times them. */
    private long timeOnCpu(Tensor[] in, BufferAllocator allocator) throws Exception {
        Plan[] plans = new Plan[nodes.size()]; // planned on the first run, reused as the AST's plan caches do
        return steadyBest(() -> {
            Map<String, Tensor> values = new HashMap<>(constants);
            for (int i = 0; i < in.length; i++) {
                values.put(inputs.get(i), in[i]);
            }
            List<Tensor> made = new ArrayList<>();
            long start = System.nanoTime();
            try {
                for (int k = 0; k < nodes.size(); k++) {
                    GraphNode n = nodes.get(k);
                    Tensor[] args = new Tensor[n.inputs().size()];
                    for (int i = 0; i < args.length; i++) {
                        args[i] = n.inputs().get(i).isEmpty() ? null : values.get(n.inputs().get(i));
                    }
                    if (plans[k] == null) {
                        plans[k] = cpuOps[k].planFor(Signature.of(cpuOps[k], args));
                    }
                    Tensor[] out = cpuOps[k].runKernel(plans[k], args, allocator);
                    for (int o = 0; o < out.length; o++) {
                        if (out[o] == null) {
                            continue; // an optional output the operator did not produce
                        }
                        made.add(out[o]);
                        if (o < n.outputs().size() && !n.outputs().get(o).isEmpty()) {
                            values.put(n.outputs().get(o), out[o]);
                        }
                    }
                }
                return System.nanoTime() - start;
            } finally {
                for (Tensor t : made) {
                    t.close();
                }
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

    /** Switches the segment to the CPU for good, logging why. */
    @TruffleBoundary
    ExecNode fallBack(String reason) {
        if (!onCpu) {
            onCpu = true;
            record.fellBack(reason);
            LOG.warning("segment " + record.id() + " (" + chosen.name() + ": " + String.join(", ", record.ops()) + ") runs on the cpu: "
                            + reason);
        }
        return cpu();
    }

    private CpuSegmentNode cpu() {
        return new CpuSegmentNode(cpuOps, releaseSlots);
    }

    /** The segment with concrete types for every value, worked out with the operators' own planning code. */
    private Segment describe(Tensor[] in, List<TensorType> signature) throws UnsupportedSegmentException {
        Map<String, TensorType> types = new LinkedHashMap<>();
        Map<String, Tensor> known = new HashMap<>(constants);
        for (int i = 0; i < in.length; i++) {
            types.put(inputs.get(i), signature.get(i));
            known.put(inputs.get(i), in[i]);
        }
        for (Map.Entry<String, Tensor> c : constants.entrySet()) {
            types.put(c.getKey(), new TensorType(c.getValue().dtype(), c.getValue().shape().clone()));
        }
        List<OpView> views = new ArrayList<>();
        for (int k = 0; k < nodes.size(); k++) {
            GraphNode n = nodes.get(k);
            OpNode op = cpuOps[k];
            int count = n.inputs().size();
            DType[] dtypes = new DType[count];
            long[][] shapes = new long[count][];
            long[][] values = new long[count][];
            for (int i = 0; i < count; i++) {
                String v = n.inputs().get(i);
                if (v.isEmpty()) {
                    continue;
                }
                TensorType t = types.get(v);
                dtypes[i] = t.dtype();
                shapes[i] = t.shape();
                if (op.isValueInput(i)) {
                    Tensor data = known.get(v);
                    if (data == null) {
                        throw new UnsupportedSegmentException("the shape of " + n.opType() + " '" + n.displayName()
                                        + "' depends on values computed inside the segment");
                    }
                    values[i] = Signature.contents(data);
                }
            }
            Plan plan;
            try {
                plan = op.planFor(new Signature(dtypes, shapes, values));
            } catch (DnnException e) {
                throw new UnsupportedSegmentException(e.getMessage());
            }
            for (int o = 0; o < n.outputs().size(); o++) {
                if (!n.outputs().get(o).isEmpty()) {
                    if (plan.outputShape(o) == null) {
                        throw new UnsupportedSegmentException("the output size of " + n.opType() + " depends on its input values");
                    }
                    types.put(n.outputs().get(o), new TensorType(plan.outputType(o), plan.outputShape(o)));
                }
            }
            views.add(OpViews.of(n, types::get, constants));
        }
        List<TensorType> outTypes = new ArrayList<>();
        for (String o : outputs) {
            outTypes.add(types.get(o));
        }
        return new Segment(record.id(), views, inputs, signature, outputs, outTypes, constants, types);
    }

    /** Closes every compiled segment (when the model is closed). */
    public void closeCompiled() {
        for (Compiled c : compiled.values()) {
            try {
                c.segment().close();
            } catch (RuntimeException e) {
                // best effort
            }
        }
        compiled.clear();
    }

    @ExplodeLoop
    static void releaseSlots(VirtualFrame frame, int[] slots) {
        for (int i = 0; i < slots.length; i++) {
            close((Tensor) frame.getObject(slots[i]));
            frame.setObject(slots[i], null);
        }
    }

    @TruffleBoundary
    private static void close(Tensor t) {
        if (t != null) {
            t.close();
        }
    }
}
