package dev.dnnrun.language.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.dsl.Cached;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import com.oracle.truffle.api.nodes.IndirectCallNode;

import dev.dnnrun.accel.partition.Partition;
import dev.dnnrun.language.DnnContext;
import dev.dnnrun.language.accel.Placement;
import dev.dnnrun.language.accel.SegmentNode;
import dev.dnnrun.language.accel.SegmentRecord;
import dev.dnnrun.language.builder.ModelAst;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.graph.ValueType;
import dev.dnnrun.language.nodes.DnnException;
import dev.dnnrun.language.nodes.ModelRootNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.tensor.RecyclingAllocator;
import dev.dnnrun.tensor.Tensor;

/**
 * What {@code context.eval("dnn", model)} returns. Executing it runs the model: pass one value per graph input
 * (tensors, nested arrays of numbers, buffers) or one object mapping input names to values; the result holds
 * the outputs by position and by name. Members: {@code name}, {@code inputs}, {@code outputs} (each
 * {@code {name, dtype, shape}}, unknown dimensions as their symbolic name or -1), {@code stats} (calls, calls that
 * ran compiled code, node count, bytes of working memory kept for the next call), {@code profile} (per node: calls
 * and kernel time, with the option {@code dnn.Profile}), {@code run} (same as execute), {@code close}.
 */
@ExportLibrary(InteropLibrary.class)
public final class ModelObject implements TruffleObject {
    private static final String[] MEMBERS = {"name", "inputs", "outputs", "stats", "profile", "placement", "placementJson", "placementDot", "run", "close"};
    /** The members of each segment in {@code placement}. */
    private static final String[] SEGMENT_MEMBERS = {"id", "backend", "ops", "patterns", "state", "fellBack", "failed", "fallbackReason",
                    "chosenBy", "compilations", "runsOn", "calls", "nanos", "cpuCalls", "cpuNanos", "shapes"};

    private final DnnContext context;
    private final ModelGraph graph;
    private final ModelRootNode root;
    private final ModelAst ast;
    private final Partition partition;
    private final String name;
    /** Intermediates and outputs come from here, so that a call reuses the buffers of the calls before it. */
    private final RecyclingAllocator workspace;
    private boolean closed;

    public ModelObject(DnnContext context, ModelGraph graph, ModelAst ast, String name, Partition partition) {
        this.context = context;
        this.graph = graph;
        this.ast = ast;
        this.root = ast.root();
        this.name = name;
        this.partition = partition;
        this.workspace = new RecyclingAllocator(context.allocator());
    }

    public ModelGraph graph() {
        return graph;
    }

    public ModelRootNode root() {
        return root;
    }

    public String name() {
        return name;
    }

    /** Frees the model's constants; calling it afterwards is an error. */
    public void release() {
        if (!closed) {
            closed = true;
            for (SegmentNode s : ast.segmentNodes()) {
                s.closeCompiled();
            }
            graph.releaseConstants();
            workspace.close();
            context.untrack(this);
        }
    }

    @ExportMessage
    boolean isExecutable() {
        return true;
    }

    @ExportMessage
    Object execute(Object[] arguments, @Cached IndirectCallNode call) {
        InputBinder.Bound bound = bind(arguments);
        try {
            Tensor[] outputs = (Tensor[]) call.call(root.getCallTarget(), bound.tensors(), workspace);
            return wrapOutputs(outputs);
        } finally {
            bound.close();
            endCall();
        }
    }

    @TruffleBoundary
    private InputBinder.Bound bind(Object[] arguments) {
        if (closed) {
            throw new DnnException(name + ": the model was closed");
        }
        return InputBinder.bind(this, arguments);
    }

    @TruffleBoundary
    private void endCall() {
        workspace.endCall();
    }

    @TruffleBoundary
    private Object wrapOutputs(Tensor[] outputs) {
        List<String> names = graph.outputs();
        Object[] wrapped = new Object[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            wrapped[i] = new TensorObject(context, names.get(i), outputs[i]);
        }
        return RecordObject.indexed(names.toArray(new String[0]), wrapped);
    }

    @ExportMessage
    boolean hasMembers() {
        return true;
    }

    @ExportMessage
    Object getMembers(@SuppressWarnings("unused") boolean includeInternal) {
        return new Members(MEMBERS);
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return member.equals("name") || member.equals("inputs") || member.equals("outputs") || member.equals("stats")
                        || member.equals("profile") || member.equals("placement") || member.equals("placementJson")
                        || member.equals("placementDot");
    }

    @ExportMessage
    boolean isMemberInvocable(String member) {
        return member.equals("run") || member.equals("close");
    }

    @ExportMessage
    @TruffleBoundary
    Object readMember(String member) throws UnknownIdentifierException {
        return switch (member) {
            case "name" -> name;
            case "inputs" -> describe(graph.inputs());
            case "outputs" -> describe(graph.outputs());
            case "stats" -> RecordObject.of(new String[]{"calls", "compiledCalls", "nodes", "workspaceBytes"},
                            new Object[]{root.calls(), root.compiledCalls(), (long) ast.operators().size(), workspace.idleBytes()});
            case "profile" -> profile();
            case "placement" -> placement();
            case "placementJson" -> Placement.toJson(graph, name, context.accel(), partition, ast.segments());
            case "placementDot" -> Placement.toDot(graph, name, partition);
            default -> throw UnknownIdentifierException.create(member);
        };
    }

    @ExportMessage
    Object invokeMember(String member, Object[] arguments, @Cached IndirectCallNode call) throws UnknownIdentifierException {
        if (member.equals("run")) {
            return execute(arguments, call);
        }
        if (member.equals("close")) {
            release();
            return true;
        }
        throw UnknownIdentifierException.create(member);
    }

    /** Per node, in execution order: {node, op, calls, nanos} (zeros unless the context has dnn.Profile). */
    private InteropArray profile() {
        List<OpNode> ops = ast.operators();
        Object[] items = new Object[ops.size()];
        for (int i = 0; i < items.length; i++) {
            OpNode op = ops.get(i);
            items[i] = RecordObject.of(new String[]{"node", "op", "calls", "nanos"}, new Object[]{
                            op.graphNode().displayName(), op.graphNode().qualifiedOp(), op.profiledCalls(), op.profiledNanos()});
        }
        return new InteropArray(items);
    }

    /**
     * Where the model runs: {accel, fallback, segments: [{id, backend, ops, patterns, state, fellBack, failed, fallbackReason,
     * chosenBy, compilations, runsOn, calls, nanos, cpuCalls, cpuNanos, shapes}], cpu: [{node, op, reasons: {backend: reason}}]}.
     * Segment states change as the model runs. {@code fallbackReason} says why the backend could not run the segment
     * ({@code fellBack}: it ran on the cpu instead; {@code failed}: the call failed, fallback being an error). {@code calls}
     * and {@code nanos} count the foreign calls into {@code runsOn}; {@code cpuCalls} and {@code cpuNanos} the runs on
     * the cpu (with dnn.Profile only).
     */
    private RecordObject placement() {
        List<SegmentRecord> records = ast.segments();
        Object[] segments = new Object[records.size()];
        for (int i = 0; i < segments.length; i++) {
            SegmentRecord r = records.get(i);
            segments[i] = RecordObject.of(SEGMENT_MEMBERS, new Object[]{r.id(), r.backend(), new InteropArray(r.ops().toArray()),
                            new InteropArray(r.patterns().toArray()), r.state(), r.fellBack(), r.failed(),
                            r.fallbackReason() == null ? "" : r.fallbackReason(), r.chosenBy() == null ? "" : r.chosenBy(), r.compilations(),
                            r.runsOn() == null ? "" : r.runsOn(), r.foreignCalls(), r.foreignNanos(), r.cpuCalls(), r.cpuNanos(),
                            new InteropArray(r.shapes().toArray())});
        }
        List<Object> cpu = new ArrayList<>();
        for (int i = 0; i < graph.nodes().size(); i++) {
            if (partition != null && partition.segmentOf(i) != null) {
                continue;
            }
            GraphNode n = graph.nodes().get(i);
            Map<String, String> why = partition == null ? Map.of() : partition.cpuReasons().getOrDefault(i, Map.of());
            cpu.add(RecordObject.of(new String[]{"node", "op", "reasons"}, new Object[]{n.displayName(), n.qualifiedOp(),
                            RecordObject.of(why.keySet().toArray(new String[0]), why.values().toArray())}));
        }
        return RecordObject.of(new String[]{"accel", "fallback", "segments", "cpu"}, new Object[]{context.accel(),
                        context.fallback().optionValue(), new InteropArray(segments), new InteropArray(cpu.toArray())});
    }

    private InteropArray describe(List<String> values) {
        Object[] items = new Object[values.size()];
        for (int i = 0; i < items.length; i++) {
            String v = values.get(i);
            ValueType t = graph.typeOf(v);
            Object[] dims = new Object[0];
            if (t != null && t.dims() != null) {
                dims = new Object[t.dims().length];
                for (int d = 0; d < dims.length; d++) {
                    long size = t.dims()[d];
                    String sym = t.dimNames() == null ? null : t.dimNames()[d];
                    dims[d] = size >= 0 ? (Object) size : sym != null ? sym : (Object) (-1L);
                }
            }
            String dtype = t == null || t.dtype() == null ? "unknown" : t.dtype().displayName;
            items[i] = RecordObject.of(new String[]{"name", "dtype", "shape"}, new Object[]{v, dtype, new InteropArray(dims)});
        }
        return new InteropArray(items);
    }

    @ExportMessage
    @TruffleBoundary
    Object toDisplayString(@SuppressWarnings("unused") boolean allowSideEffects) {
        return "dnn model " + name + " (" + graph.inputs().size() + " inputs, " + graph.outputs().size() + " outputs, "
                        + graph.nodes().size() + " nodes)";
    }

    DnnContext context() {
        return context;
    }
}
