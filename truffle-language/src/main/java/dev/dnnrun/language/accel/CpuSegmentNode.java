package dev.dnnrun.language.accel;

import org.apache.arrow.memory.BufferAllocator;

import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.ExplodeLoop;

import dev.dnnrun.language.nodes.ExecNode;
import dev.dnnrun.language.nodes.OpNode;

/**
 * A segment running on dnnrun's own kernels: its operator nodes in order, then the segment's input releases. With
 * dnn.Profile it times itself into the segment's record, so the per-segment profile covers the CPU path too.
 */
final class CpuSegmentNode extends ExecNode {
    @Children private final OpNode[] ops;
    @CompilationFinal(dimensions = 1) private final int[] releaseSlots;
    private final SegmentRecord record;
    private final boolean profiled;

    CpuSegmentNode(OpNode[] ops, int[] releaseSlots, SegmentRecord record, boolean profiled) {
        this.ops = ops;
        this.releaseSlots = releaseSlots;
        this.record = record;
        this.profiled = profiled;
    }

    @Override
    @ExplodeLoop
    public void execute(VirtualFrame frame, BufferAllocator allocator) {
        long start = profiled ? System.nanoTime() : 0;
        for (int i = 0; i < ops.length; i++) {
            ops[i].execute(frame, allocator);
        }
        SegmentNode.releaseSlots(frame, releaseSlots);
        if (profiled) {
            record.ranOnCpu(System.nanoTime() - start);
        }
    }
}
