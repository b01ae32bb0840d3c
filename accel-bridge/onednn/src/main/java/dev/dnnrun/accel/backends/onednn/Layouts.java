package dev.dnnrun.accel.backends.onednn;

import static dev.dnnrun.accel.backends.onednn.Dnnl.call;
import static dev.dnnrun.accel.backends.onednn.Dnnl.rowMajor;
import static dev.dnnrun.accel.backends.onednn.OneDnnAccelerator.no;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.support.BufferPlan;
import dev.dnnrun.accel.support.Shapes;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Where each value of a oneDNN segment lives, and in which layout. Every value is stored in one layout: segment
 * inputs and outputs row-major (they are dnnrun's buffers), constants row-major where they are (read in place), an
 * intermediate value in the layout its producer chose (blocked ones such as nChw16c where oneDNN's kernels want
 * them). A primitive that needs a value in another layout reads a reordered copy: constants are reordered once at
 * compile, other values by a reorder step whose copy later readers share. Intermediate values share buffers by
 * liveness ({@link BufferPlan}), so the working set stays small enough to live in cache.
 */
final class Layouts {
    private final OneDnnSegment seg;
    private final Segment graph;
    private final Map<String, Val> vals = new HashMap<>();
    /** Reordered copies of a value, by the value's name. */
    private final Map<String, List<String>> copies = new HashMap<>();
    private final BufferPlan plan = new BufferPlan();

    /**
     * A value: segment input or output (by index), a constant in compile-time memory, or an intermediate value
     * ({@code internal}) whose buffer is assigned after all primitives exist. {@code md} is its layout.
     */
    static final class Val {
        final int input;
        final int output;
        final boolean internal;
        final MemorySegment md;
        final long bytes;
        /** The dnnl memories over the value; those without data yet are pointed at it once it is known. */
        final List<MemorySegment> mems = new ArrayList<>();
        MemorySegment owned;

        Val(int input, int output, boolean internal, MemorySegment owned, MemorySegment md) {
            this.input = input;
            this.output = output;
            this.internal = internal;
            this.owned = owned;
            this.md = md;
            this.bytes = Dnnl.memoryDescSize(md);
        }

        boolean isConstant() {
            return !internal && input < 0 && output < 0;
        }

        /** The logical dims (a rank-0 value has [1]). */
        long[] dims() {
            return Dnnl.dimsOf(md);
        }

        /** Its memory in an execution with {@code in} and {@code out}. */
        MemorySegment at(MemorySegment[] in, MemorySegment[] out) {
            return owned != null ? owned : input >= 0 ? in[input] : out[output];
        }
    }

    /**
     * An input of a primitive: {@code value} in the layout the primitive chose for argument {@code kind}, or, with a
     * {@code view}, the value's row-major bytes seen through {@code view} (other dims or strides, e.g. a transposed
     * Gemm operand or grouped Conv weights) and reordered from there where the primitive chose another layout.
     */
    record In(int kind, String value, MemorySegment view) {
    }

    Layouts(OneDnnSegment seg, Segment graph) throws UnsupportedSegmentException {
        this.seg = seg;
        this.graph = graph;
        for (String v : graph.inputs()) {
            seg.inputs.add(boundary(v, seg.inputs.size(), -1));
        }
        for (String v : graph.outputs()) {
            seg.outputs.add(boundary(v, -1, seg.outputs.size()));
        }
    }

    /** Segment input or output {@code value}, in its row-major buffer. */
    private Val boundary(String value, int input, int output) throws UnsupportedSegmentException {
        TensorType t = graph.typeOf(value);
        if (t == null || t.dtype() != DType.FLOAT) {
            throw no("segment " + (input >= 0 ? "input" : "output") + " '" + value + "' has type " + t + ": only float32");
        }
        Val v = new Val(input, output, false, null, rowMajor(seg.arena, shape(value)));
        vals.put(value, v);
        return v;
    }

    /** The static, non-empty shape of {@code value}. */
    long[] shape(String value) throws UnsupportedSegmentException {
        if (Shapes.byteSize("value '" + value + "'", graph.typeOf(value)) == 0) {
            throw no("value '" + value + "' is empty");
        }
        return graph.typeOf(value).shape();
    }

    /** The value's location; a constant's on first use. */
    Val val(String value) throws UnsupportedSegmentException {
        Val v = vals.get(value);
        if (v != null) {
            return v;
        }
        Tensor c = graph.constants().get(value);
        if (c == null) {
            throw no("value '" + value + "' is read before an op of the segment writes it");
        }
        if (c.dtype() != DType.FLOAT) {
            throw no("constant '" + value + "' is " + c.dtype().displayName + ": only float32");
        }
        // Read in place (Segment: constants outlive the compiled segment); weights are reordered from here anyway.
        v = new Val(-1, -1, false, c.segment(), rowMajor(seg.arena, c.shape()));
        vals.put(value, v);
        return v;
    }

    /** Whether {@code value} has a location yet (segment inputs and outputs always have). */
    boolean placed(String value) {
        return vals.containsKey(value);
    }

    boolean isConstant(String value) {
        return graph.constants().containsKey(value) || (vals.containsKey(value) && vals.get(value).isConstant());
    }

    /** Registers compile-time memory {@code data} (row-major, {@code shape}) as a new constant named {@code name}. */
    String constant(String name, MemorySegment data, long[] shape) {
        String unique = name + "#" + vals.size();
        vals.put(unique, new Val(-1, -1, false, data, rowMajor(seg.arena, shape)));
        return unique;
    }

    /**
     * Adds the primitive of {@code pd}, reading {@code ins} and writing {@code y}; {@code addend} (or null) is its sum
     * post-op's addend, read in the destination's layout.
     */
    void emit(MemorySegment pd, List<In> ins, String y, String addend) throws UnsupportedSegmentException {
        Args args = new Args();
        for (In i : ins) {
            args.read(i, pd);
        }
        MemorySegment dstMd = Dnnl.argLayout(seg.arena, pd, Dnnl.ARG_DST);
        args.write(y, dstMd);
        addStep(pd, args, addend == null ? null : inLayout(addend, dstMd));
    }

    /** {@code value} in layout {@code md}: the value itself where it is stored so, else its reordered copy. */
    private String inLayout(String value, MemorySegment md) throws UnsupportedSegmentException {
        Val v = val(value);
        if (Dnnl.sameLayout(v.md, md)) {
            return value;
        }
        List<String> made = copies.computeIfAbsent(value, k -> new ArrayList<>());
        for (String c : made) {
            if (Dnnl.sameLayout(vals.get(c).md, md)) {
                return c;
            }
        }
        String copy = reorder(value, v.md, md);
        made.add(copy);
        return copy;
    }

    /**
     * A new value holding {@code from} (its bytes seen through layout {@code view}) in layout {@code md}: for a
     * constant, reordered here and now; for any other value, by a reorder step added to the segment.
     */
    private String reorder(String from, MemorySegment view, MemorySegment md) throws UnsupportedSegmentException {
        Val src = val(from);
        String name = from + "#reordered" + vals.size();
        if (!src.isConstant()) {
            reorderStep(from, view, name, md);
            return name;
        }
        MemorySegment buffer = seg.arena.allocate(Math.max(4, Dnnl.memoryDescSize(md)), 64);
        seg.runNow(reorderDesc(view, md), List.of(Dnnl.ARG_SRC, Dnnl.ARG_DST), List.of(memory(from, view), memory(md, buffer)));
        vals.put(name, new Val(-1, -1, false, buffer, md));
        seg.constantReorders++;
        return name;
    }

    /** A reorder primitive descriptor from layout {@code from} to layout {@code to}. */
    MemorySegment reorderDesc(MemorySegment from, MemorySegment to) {
        return seg.own("dnnl_reorder_primitive_desc_create", from, seg.engine, to, seg.engine, MemorySegment.NULL);
    }

    /** A reorder step copying {@code from} (its bytes seen as {@code fromMd}) into {@code to} in layout {@code toMd}. */
    private void reorderStep(String from, MemorySegment fromMd, String to, MemorySegment toMd) throws UnsupportedSegmentException {
        Args args = new Args();
        args.add(Dnnl.ARG_SRC, from, fromMd);
        args.write(to, toMd);
        addStep(reorderDesc(fromMd, toMd), args, null);
        seg.reorderSteps++;
    }

    /**
     * Adds the primitive of {@code pd} with {@code args}; its sum post-op's {@code addend} (or null) is copied into
     * the destination first. Where the primitive wrote a temporary for a segment output, a reorder fills the output.
     */
    private void addStep(MemorySegment pd, Args args, String addend) throws UnsupportedSegmentException {
        seg.addStep(pd, args.kinds, args.mems, addend == null ? null : val(addend), addend == null ? null : val(args.dst));
        plan.step(args.dst, args.reads, addend);
        if (args.output != null) {
            reorderStep(args.dst, val(args.dst).md, args.output, val(args.output).md);
        }
    }

    /**
     * Gives every intermediate value its pooled buffer; a sum post-op whose addend dies at its step accumulates in
     * place (its destination takes over the addend's buffer and the copy is dropped).
     */
    void assignBuffers() throws UnsupportedSegmentException {
        BufferPlan.Assignment a = plan.assign();
        MemorySegment[] buffers = new MemorySegment[a.bufferBytes().length];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = seg.arena.allocate(a.bufferBytes()[i], 64);
        }
        for (int s : a.inPlaceSteps()) {
            seg.accumulateInPlace(s);
        }
        seg.scratchBytes = a.totalBytes();
        for (Map.Entry<String, Integer> e : a.bufferOf().entrySet()) {
            Val v = vals.get(e.getKey());
            v.owned = buffers[e.getValue()];
            for (MemorySegment m : v.mems) {
                call("dnnl_memory_set_data_handle", m, v.owned);
            }
        }
    }

    private void intermediate(String name, MemorySegment md) {
        Val v = new Val(-1, -1, true, null, md);
        vals.put(name, v);
        plan.value(name, v.bytes);
    }

    /** A dnnl memory for a use of {@code value} described by {@code md}. */
    private MemorySegment memory(String value, MemorySegment md) throws UnsupportedSegmentException {
        Val v = val(value);
        long need = Dnnl.memoryDescSize(md);
        if (need > v.bytes) {
            throw no("value '" + value + "' has " + v.bytes + " bytes, oneDNN needs " + need);
        }
        MemorySegment m = memory(md, v.owned == null ? MemorySegment.NULL : v.owned);
        v.mems.add(m);
        return m;
    }

    /** A dnnl memory in layout {@code md} over {@code data} (NULL: set later). */
    private MemorySegment memory(MemorySegment md, MemorySegment data) {
        return seg.own("dnnl_memory_create", md, seg.engine, data);
    }

    /** The execute arguments of one primitive, and the values it reads and writes. */
    private final class Args {
        final List<Integer> kinds = new ArrayList<>();
        final List<MemorySegment> mems = new ArrayList<>();
        final List<String> reads = new ArrayList<>();
        String dst;
        /** The segment output that a reorder fills from {@link #dst} (a temporary in the primitive's layout), or null. */
        String output;

        void read(In in, MemorySegment pd) throws UnsupportedSegmentException {
            MemorySegment md = Dnnl.argLayout(seg.arena, pd, in.kind());
            if (in.view() == null) {
                add(in.kind(), inLayout(in.value(), md), md);
                return;
            }
            String plain = inLayout(in.value(), rowMajor(seg.arena, val(in.value()).dims()));
            if (Dnnl.sameLayout(in.view(), md)) {
                add(in.kind(), plain, in.view());
            } else {
                add(in.kind(), reorder(plain, in.view(), md), md);
            }
        }

        void add(int kind, String value, MemorySegment md) throws UnsupportedSegmentException {
            kinds.add(kind);
            mems.add(memory(value, md));
            reads.add(value);
        }

        /** The destination {@code value} in layout {@code md}: it defines an intermediate value's layout. */
        void write(String value, MemorySegment md) throws UnsupportedSegmentException {
            Val v = vals.get(value);
            dst = value;
            if (v == null) {
                if (graph.constants().containsKey(value)) {
                    throw no("constant '" + value + "' is written by an op");
                }
                intermediate(value, md);
            } else if (v.output < 0) {
                throw no("value '" + value + "' is written twice");
            } else if (!Dnnl.sameLayout(v.md, md)) {
                output = value;
                dst = value + "#out";
                intermediate(dst, md);
            }
            kinds.add(Dnnl.ARG_DST);
            mems.add(memory(dst, md));
        }
    }
}
