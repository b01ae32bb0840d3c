package dev.dnnrun.accel.backends.onednn;

import static dev.dnnrun.accel.backends.onednn.Dnnl.call;
import static dev.dnnrun.accel.backends.onednn.Dnnl.rowMajor;
import static dev.dnnrun.accel.backends.onednn.OneDnnAccelerator.require;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.support.BufferPlan;
import dev.dnnrun.accel.support.NativeSegment;
import dev.dnnrun.accel.support.Shapes;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * A segment as a list of oneDNN primitives (steps) on one in-order CPU stream. {@link Emitter} turns the operators
 * into primitives; this class decides where and in which layout each value lives, owns the native objects (destroyed
 * at close) and runs the steps. Each execute points the memories over segment inputs and outputs at dnnrun's
 * buffers, which is all that changes between executions.
 *
 * <p>Every value is stored in one layout: segment inputs and outputs row-major (they are dnnrun's buffers),
 * constants row-major where they are (read in place), an intermediate value in the layout its producer chose
 * (blocked ones such as nChw16c where oneDNN's kernels want them). A primitive that needs a value in another layout
 * reads a reordered copy: constants are reordered once at compile, other values by a reorder step whose copy later
 * readers share. Intermediate values share buffers by liveness ({@link BufferPlan}), so the working set stays small
 * enough to live in cache.
 */
final class OneDnnSegment extends NativeSegment {
    final Arena arena = Arena.ofShared();
    MemorySegment engine;
    private MemorySegment stream;
    private final Segment graph;
    /** Every native object made, with the function that destroys it; destroyed at close, the newest first. */
    private final List<Map.Entry<String, MemorySegment>> owned = new ArrayList<>();
    private final Map<String, Val> vals = new HashMap<>();
    private final BufferPlan plan = new BufferPlan();
    private final List<Step> steps = new ArrayList<>();
    // The plan's figures, which tests check: reorders per execute, constants reordered at compile, sum post-ops that
    // accumulate in their addend's buffer instead of a copy, bytes of the pooled buffers.
    int reorderSteps;
    int constantReorders;
    int inPlaceSums;
    long scratchBytes;

    /**
     * A value in layout {@code md}: a segment input or output (its {@code data} is dnnrun's buffer of the execution),
     * a {@code constant} (its data given at compile) or an {@code internal} value (its pooled buffer, assigned after
     * all primitives exist). {@code mems} are the dnnl memories over it, {@code copies} the values holding it reordered.
     */
    static final class Val {
        final boolean constant;
        final boolean internal;
        final MemorySegment md;
        final long bytes;
        final List<MemorySegment> mems = new ArrayList<>();
        final List<String> copies = new ArrayList<>();
        MemorySegment data;

        Val(boolean internal, MemorySegment data, MemorySegment md) {
            this.constant = data != null;
            this.internal = internal;
            this.data = data;
            this.md = md;
            this.bytes = Dnnl.memoryDescSize(md);
        }

        /** The logical dims (a rank-0 value has [1]). */
        long[] dims() {
            return Dnnl.dimsOf(md);
        }
    }

    /**
     * An execute argument: {@code value} in layout {@code md}. In what Emitter asks for, {@code md} is null for the
     * layout the primitive chose, or a view: the value's row-major bytes seen through other dims or strides (e.g. a
     * transposed Gemm operand, grouped Conv weights), reordered from there where the primitive chose another layout.
     */
    record Arg(int kind, String value, MemorySegment md) {
    }

    /** One primitive execution; {@code addend} is copied into {@code dst} first (a sum post-op's addend). */
    private record Step(MemorySegment primitive, MemorySegment args, int nargs, Val addend, Val dst) {
    }

    OneDnnSegment(Segment graph) throws UnsupportedSegmentException {
        super(graph);
        this.graph = graph;
        try {
            Dnnl.applyThreads(); // oneDNN sizes its kernels for the thread count at primitive creation
            engine = own("dnnl_engine_create", Dnnl.CPU, 0L);
            stream = own("dnnl_stream_create", engine, Dnnl.STREAM_DEFAULT);
            for (String v : Stream.concat(graph.inputs().stream(), graph.outputs().stream()).toList()) {
                TensorType t = graph.typeOf(v);
                require(t != null && t.dtype() == DType.FLOAT, "segment input or output '" + v + "' has type " + t + ": only float32");
                vals.put(v, new Val(false, null, rowMajor(arena, shape(v)))); // in dnnrun's row-major buffers
            }
            new Emitter(this, graph).emitAll();
            assignBuffers();
        } catch (UnsupportedSegmentException | RuntimeException e) {
            close();
            throw e instanceof UnsupportedSegmentException u ? u : new UnsupportedSegmentException(e.getMessage(), e);
        }
    }

    /**
     * A native object made by creator {@code name(&handle, args...)}, kept until close: dnnl_X_create's object is
     * destroyed by dnnl_X_destroy, a dnnl_..._primitive_desc_create's by dnnl_primitive_desc_destroy.
     */
    MemorySegment own(String name, Object... args) {
        MemorySegment handle = Dnnl.create(arena, name, args);
        owned.add(Map.entry(name.endsWith("primitive_desc_create") ? "dnnl_primitive_desc_destroy" : name.replace("_create", "_destroy"), handle));
        return handle;
    }

    /** The static, non-empty shape of {@code value}. */
    long[] shape(String value) throws UnsupportedSegmentException {
        require(Shapes.byteSize("value '" + value + "'", graph.typeOf(value)) > 0, "value '" + value + "' is empty");
        return graph.typeOf(value).shape();
    }

    /** The value's location; a constant's on first use. */
    Val val(String value) throws UnsupportedSegmentException {
        Val v = vals.get(value);
        Tensor c = graph.constants().get(value);
        if (v == null) {
            require(c != null, "value '" + value + "' is read before an op of the segment writes it");
            require(c.dtype() == DType.FLOAT, "constant '" + value + "' is " + c.dtype().displayName + ": only float32");
            // Read in place (Segment: constants outlive the compiled segment); weights are reordered from here anyway.
            v = new Val(false, c.segment(), rowMajor(arena, c.shape()));
            vals.put(value, v);
        }
        return v;
    }

    /** A new constant: a private copy of constant {@code value} times {@code factor} (Gemm's alpha or beta folded in). */
    String scaled(String value, float factor) throws UnsupportedSegmentException {
        Tensor c = graph.constants().get(value);
        require(c != null && c.dtype() == DType.FLOAT, "'" + value + "' must be a float32 constant to fold alpha/beta");
        MemorySegment copy = arena.allocate(Math.max(4, c.byteSize()), 64);
        for (long i = 0; i < c.elementCount(); i++) {
            copy.setAtIndex(ValueLayout.JAVA_FLOAT, i, c.getFloat(i) * factor);
        }
        String name = value + "#scaled" + vals.size();
        vals.put(name, new Val(false, copy, rowMajor(arena, c.shape())));
        return name;
    }

    /**
     * Adds the primitive of {@code pd}, reading {@code ins} and writing {@code y}; {@code addend} (or null) is its sum
     * post-op's addend, read in the destination's layout. Where segment output {@code y} is stored in another layout
     * than the primitive writes, the primitive writes a temporary and a reorder fills the output.
     */
    void emit(MemorySegment pd, List<Arg> ins, String y, String addend) throws UnsupportedSegmentException {
        List<Arg> args = new ArrayList<>();
        for (Arg in : ins) {
            MemorySegment md = Dnnl.argLayout(arena, pd, in.kind());
            if (in.md() == null) {
                args.add(new Arg(in.kind(), inLayout(in.value(), md), md));
            } else {
                String plain = inLayout(in.value(), rowMajor(arena, val(in.value()).dims()));
                args.add(Dnnl.sameLayout(in.md(), md) ? new Arg(in.kind(), plain, in.md()) : new Arg(in.kind(), reorder(plain, in.md(), md), md));
            }
        }
        MemorySegment dstMd = Dnnl.argLayout(arena, pd, Dnnl.ARG_DST);
        Val out = vals.get(y);
        require(out == null || graph.outputs().contains(y), "value '" + y + "' is written twice");
        require(out != null || !graph.constants().containsKey(y), "constant '" + y + "' is written by an op");
        String dst = out == null || Dnnl.sameLayout(out.md, dstMd) ? y : y + "#out";
        if (out == null || !dst.equals(y)) {
            intermediate(dst, dstMd);
        }
        args.add(new Arg(Dnnl.ARG_DST, dst, dstMd));
        addStep(pd, args, addend == null ? null : inLayout(addend, dstMd));
        if (!dst.equals(y)) {
            reorderStep(dst, dstMd, y, out.md);
        }
    }

    /** {@code value} in layout {@code md}: the value itself where it is stored so, else its reordered copy. */
    private String inLayout(String value, MemorySegment md) throws UnsupportedSegmentException {
        Val v = val(value);
        for (String c : Stream.concat(Stream.of(value), v.copies.stream()).toList()) {
            if (Dnnl.sameLayout(vals.get(c).md, md)) {
                return c;
            }
        }
        String copy = reorder(value, v.md, md);
        v.copies.add(copy);
        return copy;
    }

    /**
     * A new value holding {@code from} (its bytes seen through layout {@code view}) in layout {@code md}: for a
     * constant, reordered here and now; for any other value, by a reorder step added to the segment.
     */
    private String reorder(String from, MemorySegment view, MemorySegment md) throws UnsupportedSegmentException {
        String name = from + "#reordered" + vals.size();
        if (!val(from).constant) {
            intermediate(name, md);
            reorderStep(from, view, name, md);
            return name;
        }
        vals.put(name, new Val(false, arena.allocate(Math.max(4, Dnnl.memoryDescSize(md)), 64), md));
        MemorySegment args = execArgs(List.of(new Arg(Dnnl.ARG_SRC, from, view), new Arg(Dnnl.ARG_DST, name, md)));
        call("dnnl_primitive_execute", own("dnnl_primitive_create", reorderDesc(view, md)), stream, 2, args);
        call("dnnl_stream_wait", stream);
        constantReorders++;
        return name;
    }

    MemorySegment reorderDesc(MemorySegment from, MemorySegment to) {
        return own("dnnl_reorder_primitive_desc_create", from, engine, to, engine, MemorySegment.NULL);
    }

    /** A reorder step copying {@code from}, its bytes seen as {@code fromMd}, into {@code to} in layout {@code toMd}. */
    private void reorderStep(String from, MemorySegment fromMd, String to, MemorySegment toMd) throws UnsupportedSegmentException {
        addStep(reorderDesc(fromMd, toMd), List.of(new Arg(Dnnl.ARG_SRC, from, fromMd), new Arg(Dnnl.ARG_DST, to, toMd)), null);
        reorderSteps++;
    }

    /** Adds the primitive of {@code pd} on {@code args} (the destination last); {@code addend} (or null) is copied into it first. */
    private void addStep(MemorySegment pd, List<Arg> args, String addend) throws UnsupportedSegmentException {
        String dst = args.getLast().value();
        steps.add(new Step(own("dnnl_primitive_create", pd), execArgs(args), args.size(), addend == null ? null : val(addend),
                        addend == null ? null : val(dst)));
        plan.step(dst, args.stream().map(Arg::value).toList(), addend);
    }

    /** The dnnl_exec_arg_t array of {@code args}, with a dnnl memory for each use of a value. */
    private MemorySegment execArgs(List<Arg> args) throws UnsupportedSegmentException {
        MemorySegment a = arena.allocate(Dnnl.EXEC_ARG, args.size());
        for (int i = 0; i < args.size(); i++) {
            Val v = val(args.get(i).value());
            long need = Dnnl.memoryDescSize(args.get(i).md());
            require(need <= v.bytes, "value '" + args.get(i).value() + "' has " + v.bytes + " bytes, oneDNN needs " + need);
            MemorySegment m = own("dnnl_memory_create", args.get(i).md(), engine, v.data == null ? MemorySegment.NULL : v.data);
            v.mems.add(m);
            a.set(ValueLayout.JAVA_INT, i * Dnnl.EXEC_ARG.byteSize(), args.get(i).kind());
            a.set(ValueLayout.ADDRESS, i * Dnnl.EXEC_ARG.byteSize() + 8, m);
        }
        return a;
    }

    private void intermediate(String name, MemorySegment md) {
        Val v = new Val(true, null, md);
        vals.put(name, v);
        plan.value(name, v.bytes);
    }

    /**
     * Gives every intermediate value its pooled buffer; a sum post-op whose addend dies at its step accumulates in
     * place (its destination takes over the addend's buffer and the copy is dropped).
     */
    private void assignBuffers() throws UnsupportedSegmentException {
        BufferPlan.Assignment a = plan.assign();
        scratchBytes = a.totalBytes();
        for (int s : a.inPlaceSteps()) {
            Step st = steps.get(s);
            steps.set(s, new Step(st.primitive(), st.args(), st.nargs(), null, null));
            inPlaceSums++;
        }
        MemorySegment[] buffers = Arrays.stream(a.bufferBytes()).mapToObj(n -> arena.allocate(n, 64)).toArray(MemorySegment[]::new);
        for (Map.Entry<String, Integer> e : a.bufferOf().entrySet()) {
            Val v = vals.get(e.getKey());
            v.data = buffers[e.getValue()];
            for (MemorySegment m : v.mems) {
                call("dnnl_memory_set_data_handle", m, v.data);
            }
        }
    }

    /** How many primitives other than reorders one execute runs (fused chains count once). */
    int primitiveCount() {
        return steps.size() - reorderSteps;
    }

    @Override
    protected void run(MemorySegment[] in, MemorySegment[] out) throws Throwable {
        Dnnl.applyThreads();
        pointAt(graph.inputs(), in);
        pointAt(graph.outputs(), out);
        for (Step s : steps) {
            if (s.addend() != null) {
                Dnnl.check("dnnl_stream_wait", (int) Dnnl.streamWait.invokeExact(stream));
                MemorySegment.copy(s.addend().data, 0, s.dst().data, 0, s.dst().bytes);
            }
            Dnnl.check("dnnl_primitive_execute", (int) Dnnl.execute.invokeExact(s.primitive(), stream, s.nargs(), s.args()));
        }
        Dnnl.check("dnnl_stream_wait", (int) Dnnl.streamWait.invokeExact(stream));
    }

    /** Points segment inputs or outputs {@code values}, and the memories over them, at this execution's {@code buffers}. */
    private void pointAt(List<String> values, MemorySegment[] buffers) throws Throwable {
        for (int i = 0; i < buffers.length; i++) {
            Val v = vals.get(values.get(i));
            v.data = buffers[i];
            for (MemorySegment m : v.mems) {
                Dnnl.check("dnnl_memory_set_data_handle", (int) Dnnl.setDataHandle.invokeExact(m, v.data));
            }
        }
    }

    @Override
    protected void release() {
        owned.reversed().forEach(o -> call(o.getKey(), o.getValue()));
        arena.close();
    }
}
