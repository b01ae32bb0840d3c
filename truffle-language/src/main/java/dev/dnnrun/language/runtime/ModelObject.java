package dev.dnnrun.language.runtime;

import java.util.List;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.dsl.Cached;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import com.oracle.truffle.api.nodes.IndirectCallNode;

import dev.dnnrun.language.DnnContext;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.graph.ValueType;
import dev.dnnrun.language.nodes.ModelRootNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.tensor.Tensor;

/**
 * What {@code context.eval("dnn", model)} returns. Executing it runs the model: pass one value per graph input
 * (tensors, nested arrays of numbers, buffers) or one object mapping input names to values; the result holds
 * the outputs by position and by name. Members: {@code name}, {@code inputs}, {@code outputs} (each
 * {@code {name, dtype, shape}}, unknown dimensions as their symbolic name or -1), {@code stats} (calls, calls that
 * ran compiled code, node count), {@code profile} (per node: calls and kernel time, with the option
 * {@code dnn.Profile}), {@code run} (same as execute),
 * {@code close}.
 */
@ExportLibrary(InteropLibrary.class)
public final class ModelObject implements TruffleObject {
    private static final String[] MEMBERS = {"name", "inputs", "outputs", "stats", "profile", "run", "close"};

    private final DnnContext context;
    private final ModelGraph graph;
    private final ModelRootNode root;
    private final String name;
    private boolean closed;

    public ModelObject(DnnContext context, ModelGraph graph, ModelRootNode root, String name) {
        this.context = context;
        this.graph = graph;
        this.root = root;
        this.name = name;
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
            graph.releaseConstants();
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
            Tensor[] outputs = (Tensor[]) call.call(root.getCallTarget(), bound.tensors(), context.allocator());
            return wrapOutputs(outputs);
        } finally {
            bound.close();
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
                        || member.equals("profile");
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
            case "stats" -> RecordObject.of(new String[]{"calls", "compiledCalls", "nodes"},
                            new Object[]{root.calls(), root.compiledCalls(), (long) root.ops().length});
            case "profile" -> profile();
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
        OpNode[] ops = root.ops();
        Object[] items = new Object[ops.length];
        for (int i = 0; i < ops.length; i++) {
            items[i] = RecordObject.of(new String[]{"node", "op", "calls", "nanos"}, new Object[]{
                            ops[i].graphNode().displayName(), ops[i].graphNode().qualifiedOp(), ops[i].profiledCalls(), ops[i].profiledNanos()});
        }
        return new InteropArray(items);
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
