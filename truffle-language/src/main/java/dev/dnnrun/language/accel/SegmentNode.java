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
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.DnnException;
import dev.dnnrun.language.nodes.EagerRunner;
import dev.dnnrun.language.nodes.ExecNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.tensor.Tensor;

/**
 * A group of operators the partitioner placed on an accelerator, before it has run. On its first execution, when
 * the input shapes are known, it compiles the segment on its backend for those shapes and replaces itself with a
 * {@link ForeignCallNode}; if the backend declines or fails, the {@link FallbackPolicy} decides: it replaces itself
 * with the CPU operators it holds ({@link CpuSegmentNode}) and records why, so the model still runs, or it fails the
 * call with the reason. Up to {@link #SPECIALISATION_LIMIT} input signatures get compiled segments (kept here, like an
 * inline cache); beyond that the segment falls back to the CPU. With {@code --accel auto} the first run first lets
 * {@link AutoPlacement} choose the backend.
 */
public final class SegmentNode extends ExecNode {
    static final int SPECIALISATION_LIMIT = 4;

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
    private final FallbackPolicy fallback;
    private final TruffleLogger log;
    private final boolean profiled;
    /** With --accel auto: measures every available backend (and the CPU) on the first run; null otherwise. */
    private final AutoPlacement auto;
    private Accelerator chosen;

    /**
     * @param backends where the segment may run, and what it does when it cannot run there
     * @param profiled whether its CPU path times itself (dnn.Profile); foreign calls are always timed
     */
    public SegmentNode(BackendChoice backends, SegmentRecord record, List<GraphNode> nodes, OpNode[] cpuOps, List<String> inputs,
                    int[] inputSlots, List<String> outputs, int[] outputSlots, int[] releaseSlots, Map<String, Tensor> constants,
                    boolean profiled) {
        this.chosen = backends.byName().get(record.backend());
        this.auto = backends.autoCandidates() == null ? null : new AutoPlacement(backends.autoCandidates(), backends.costs(), backends.log());
        this.fallback = backends.fallback();
        this.log = backends.log();
        this.profiled = profiled;
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
            return fallBack("more than " + SPECIALISATION_LIMIT + " input signatures, the limit of compiled specialisations");
        }
        Segment segment;
        try {
            segment = describe(in, signature);
        } catch (UnsupportedSegmentException e) {
            return fallBack(e.getMessage());
        }
        if (auto != null && compiled.isEmpty()) {
            chosen = auto.choose(segment, new AutoPlacement.CpuBody(nodes, cpuOps, constants), in, allocator, record);
            if (chosen == null) {
                onCpu = true; // measured fastest: a choice, not a fallback
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
     * The backend cannot run the segment: under the fallback policy warn or quiet, switches it to the CPU for good
     * (warn logs one line); under error, fails the call with the reason and leaves the segment as it was, so a
     * later call tries again.
     */
    @TruffleBoundary
    ExecNode fallBack(String reason) {
        String where = "segment " + record.id() + " (" + String.join(", ", record.ops()) + ")";
        if (fallback == FallbackPolicy.ERROR) {
            record.failed(chosen.name(), reason);
            throw new DnnException(where + " cannot run on " + chosen.name() + ": " + reason + " " + FallbackPolicy.errorNote("it on the cpu"));
        }
        if (!onCpu) {
            onCpu = true;
            record.fellBack(reason);
            if (fallback == FallbackPolicy.WARN) {
                log.warning(where + " runs on the cpu instead of " + chosen.name() + ": " + reason);
            }
        }
        return cpu();
    }

    private CpuSegmentNode cpu() {
        return new CpuSegmentNode(cpuOps, releaseSlots, record, profiled);
    }

    /** The segment with concrete types for every value, worked out with the operators' own planning code. */
    private Segment describe(Tensor[] in, List<TensorType> signature) throws UnsupportedSegmentException {
        EagerRunner typing = new EagerRunner(); // types only: it runs nothing, so owns nothing to close
        for (int i = 0; i < in.length; i++) {
            typing.put(inputs.get(i), in[i]);
        }
        typing.putAll(constants);
        for (int k = 0; k < nodes.size(); k++) {
            GraphNode n = nodes.get(k);
            Plan plan;
            try {
                plan = typing.type(n, cpuOps[k]);
            } catch (DnnException | OperatorException e) {
                throw new UnsupportedSegmentException(e.getMessage());
            }
            if (plan == null) {
                throw new UnsupportedSegmentException("the shape of " + n.opType() + " '" + n.displayName()
                                + "' depends on values computed inside the segment");
            }
            for (String o : n.outputs()) {
                if (!o.isEmpty() && typing.type(o) == null) {
                    throw new UnsupportedSegmentException("the output size of " + n.opType() + " depends on its input values");
                }
            }
        }
        Map<String, TensorType> types = new LinkedHashMap<>();
        typing.types().forEach((name, t) -> types.put(name, new TensorType(t.dtype(), t.dims())));
        List<OpView> views = new ArrayList<>();
        for (GraphNode n : nodes) {
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
