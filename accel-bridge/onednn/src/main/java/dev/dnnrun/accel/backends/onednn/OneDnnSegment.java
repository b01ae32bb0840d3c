package dev.dnnrun.accel.backends.onednn;

import static dev.dnnrun.accel.backends.onednn.Dnnl.call;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
    /** Every native object made, with the function that destroys it; destroyed at close, the newest first. */
    private final List<Map.Entry<String, MemorySegment>> owned = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    /** The segment's inputs and outputs, whose memories point at dnnrun's buffers at each execute. */
    final List<Val> inputs = new ArrayList<>();
    final List<Val> outputs = new ArrayList<>();
    MemorySegment engine;
    private MemorySegment stream;
    // The plan's figures, which tests check: reorders per execute, constants reordered at compile, sum post-ops that
    // accumulate in their addend's buffer instead of a copy, bytes of the pooled buffers.
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
            engine = own("dnnl_engine_create", Dnnl.CPU, 0L);
            stream = own("dnnl_stream_create", engine, Dnnl.STREAM_DEFAULT);
            Layouts layouts = new Layouts(this, seg);
            new Emitter(layouts, seg, this).emitAll();
            layouts.assignBuffers();
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

    /** Appends a step running the primitive of {@code pd} on {@code mems} (argument kinds {@code kinds}). */
    void addStep(MemorySegment pd, List<Integer> kinds, List<MemorySegment> mems, Val copyFrom, Val copyTo) {
        steps.add(new Step(own("dnnl_primitive_create", pd), execArgs(kinds, mems), kinds.size(), copyFrom, copyTo));
    }

    /** Runs the primitive of {@code pd} once, now (constants reordered at compile). */
    void runNow(MemorySegment pd, List<Integer> kinds, List<MemorySegment> mems) {
        call("dnnl_primitive_execute", own("dnnl_primitive_create", pd), stream, kinds.size(), execArgs(kinds, mems));
        call("dnnl_stream_wait", stream);
    }

    /** Drops the addend copy of step {@code s}: its sum post-op accumulates in place. */
    void accumulateInPlace(int s) {
        Step st = steps.get(s);
        steps.set(s, new Step(st.primitive(), st.args(), st.nargs(), null, null));
        inPlaceSums++;
    }

    private MemorySegment execArgs(List<Integer> kinds, List<MemorySegment> mems) {
        MemorySegment a = arena.allocate(Dnnl.EXEC_ARG, kinds.size());
        for (int i = 0; i < kinds.size(); i++) {
            a.set(ValueLayout.JAVA_INT, i * Dnnl.EXEC_ARG.byteSize(), kinds.get(i));
            a.set(ValueLayout.ADDRESS, i * Dnnl.EXEC_ARG.byteSize() + 8, mems.get(i));
        }
        return a;
    }

    /** How many primitives other than reorders one execute runs (fused chains count once). */
    int primitiveCount() {
        return steps.size() - reorderSteps;
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
        for (int i = owned.size() - 1; i >= 0; i--) {
            call(owned.get(i).getKey(), owned.get(i).getValue());
        }
        arena.close();
    }
}
