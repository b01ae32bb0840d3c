package dev.dnnrun.accel.backends.onednn;

import static dev.dnnrun.accel.backends.onednn.Dnnl.call;
import static dev.dnnrun.accel.backends.onednn.Dnnl.create;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.backends.onednn.Layouts.Val;
import dev.dnnrun.accel.support.NativeSegment;

/**
 * A segment as a list of oneDNN primitives on one in-order CPU stream: {@link Emitter} turns the operators into
 * primitives, {@link Layouts} decides where and in which layout each value lives. This class owns the native objects
 * (destroyed at close) and runs the steps; each execute points the memories over segment inputs and outputs at
 * dnnrun's buffers, which is all that changes between executions.
 */
final class OneDnnSegment extends NativeSegment {
    final Arena arena = Arena.ofShared();
    private final List<MemorySegment> memories = new ArrayList<>();
    private final List<MemorySegment> descriptors = new ArrayList<>();
    private final List<MemorySegment> primitives = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    /** The segment's inputs and outputs, whose memories point at dnnrun's buffers at each execute. */
    final List<Val> inputs = new ArrayList<>();
    final List<Val> outputs = new ArrayList<>();
    MemorySegment engine = MemorySegment.NULL;
    private MemorySegment stream = MemorySegment.NULL;
    int reorderSteps;
    int constantReorders;
    int inPlaceSums;
    long scratchBytes;

    /** One primitive execution; {@code copyFrom} is copied into {@code copyTo} first (a sum post-op's addend). */
    record Step(MemorySegment primitive, MemorySegment args, int nargs, Val copyFrom, Val copyTo) {
    }

    OneDnnSegment(Segment seg) throws UnsupportedSegmentException {
        super(seg);
        try {
            Dnnl.applyThreads(); // oneDNN sizes its kernels for the thread count at primitive creation
            engine = create(arena, "dnnl_engine_create", Dnnl.CPU, 0L);
            stream = create(arena, "dnnl_stream_create", engine, Dnnl.STREAM_DEFAULT);
            Layouts layouts = new Layouts(this, seg);
            new Emitter(layouts, seg, this).emitAll();
            layouts.assignBuffers();
        } catch (UnsupportedSegmentException | RuntimeException e) {
            close();
            throw e instanceof UnsupportedSegmentException u ? u : new UnsupportedSegmentException(e.getMessage(), e);
        }
    }

    /** A primitive descriptor made by creator {@code name} (engine arguments included), kept until close. */
    MemorySegment descriptor(String name, Object... args) {
        MemorySegment pd = create(arena, name, args);
        descriptors.add(pd);
        return pd;
    }

    /** A dnnl memory in layout {@code md} over {@code data} (NULL: set later), kept until close. */
    MemorySegment memory(MemorySegment md, MemorySegment data) {
        MemorySegment m = create(arena, "dnnl_memory_create", md, engine, data);
        memories.add(m);
        return m;
    }

    /** Appends a step running the primitive of {@code pd} on {@code mems} (argument kinds {@code kinds}). */
    void addStep(MemorySegment pd, List<Integer> kinds, List<MemorySegment> mems, Val copyFrom, Val copyTo) {
        steps.add(new Step(primitive(pd), execArgs(kinds, mems), kinds.size(), copyFrom, copyTo));
    }

    /** Runs the primitive of {@code pd} once, now (constants reordered at compile). */
    void runNow(MemorySegment pd, List<Integer> kinds, List<MemorySegment> mems) {
        MemorySegment p = create(arena, "dnnl_primitive_create", pd);
        try {
            Dnnl.check("dnnl_primitive_execute", (int) Dnnl.execute.invokeExact(p, stream, kinds.size(), execArgs(kinds, mems)));
            Dnnl.check("dnnl_stream_wait", (int) Dnnl.streamWait.invokeExact(stream));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("dnnl_primitive_execute failed: " + t, t);
        } finally {
            call("dnnl_primitive_destroy", p);
        }
    }

    /** Drops the addend copy of step {@code s}: its sum post-op accumulates in place. */
    void accumulateInPlace(int s) {
        Step st = steps.get(s);
        steps.set(s, new Step(st.primitive(), st.args(), st.nargs(), null, null));
        inPlaceSums++;
    }

    private MemorySegment primitive(MemorySegment pd) {
        MemorySegment p = create(arena, "dnnl_primitive_create", pd);
        primitives.add(p);
        return p;
    }

    private MemorySegment execArgs(List<Integer> kinds, List<MemorySegment> mems) {
        MemorySegment a = arena.allocate(Dnnl.EXEC_ARG, kinds.size());
        for (int i = 0; i < kinds.size(); i++) {
            MemorySegment e = a.asSlice(i * Dnnl.EXEC_ARG.byteSize(), Dnnl.EXEC_ARG.byteSize());
            e.set(ValueLayout.JAVA_INT, 0, kinds.get(i));
            e.set(ValueLayout.ADDRESS, 8, mems.get(i));
        }
        return a;
    }

    /** How many primitives other than reorders one execute runs (fused chains count once). */
    int primitiveCount() {
        return steps.size() - reorderSteps;
    }

    /** How many reorders between layouts one execute runs. */
    int reorderSteps() {
        return reorderSteps;
    }

    /** How many constants were reordered at compile into the layout their primitive chose. */
    int constantReorders() {
        return constantReorders;
    }

    /** Bytes of pooled buffers for intermediate values. */
    long scratchBytes() {
        return scratchBytes;
    }

    /** How many sum post-ops accumulate into their addend's buffer instead of copying it. */
    int inPlaceSums() {
        return inPlaceSums;
    }

    @Override
    protected void run(MemorySegment[] in, MemorySegment[] out) throws Throwable {
        Dnnl.applyThreads();
        pointAt(inputs, in);
        pointAt(outputs, out);
        for (Step s : steps) {
            if (s.copyFrom() != null) {
                Dnnl.check("dnnl_stream_wait", (int) Dnnl.streamWait.invokeExact(stream));
                MemorySegment.copy(s.copyFrom().at(in, out), 0, s.copyTo().at(in, out), 0, s.copyTo().bytes);
            }
            Dnnl.check("dnnl_primitive_execute", (int) Dnnl.execute.invokeExact(s.primitive(), stream, s.nargs(), s.args()));
        }
        Dnnl.check("dnnl_stream_wait", (int) Dnnl.streamWait.invokeExact(stream));
    }

    private static void pointAt(List<Val> values, MemorySegment[] buffers) throws Throwable {
        for (int i = 0; i < buffers.length; i++) {
            for (MemorySegment m : values.get(i).mems) {
                Dnnl.check("dnnl_memory_set_data_handle", (int) Dnnl.setDataHandle.invokeExact(m, buffers[i]));
            }
        }
    }

    @Override
    protected void release() {
        for (MemorySegment p : primitives) {
            call("dnnl_primitive_destroy", p);
        }
        for (MemorySegment p : descriptors) {
            call("dnnl_primitive_desc_destroy", p);
        }
        for (MemorySegment m : memories) {
            call("dnnl_memory_destroy", m);
        }
        if (!stream.equals(MemorySegment.NULL)) {
            call("dnnl_stream_destroy", stream);
        }
        if (!engine.equals(MemorySegment.NULL)) {
            call("dnnl_engine_destroy", engine);
        }
        arena.close();
    }
}
