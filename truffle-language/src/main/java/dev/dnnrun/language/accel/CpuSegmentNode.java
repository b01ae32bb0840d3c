package dev.dnnrun.language.accel;

import org.apache.arrow.memory.BufferAllocator;

import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.ExplodeLoop;

import dev.dnnrun.language.nodes.ExecNode;
import dev.dnnrun.language.nodes.OpNode;

/** A segment running on dnnrun's own kernels: its operator nodes in order, then the segment's input releases. */
final class CpuSegmentNode extends ExecNode {
    @Children private final OpNode[] ops;
    @CompilationFinal(dimensions = 1) private final int[] releaseSlots;

    CpuSegmentNode(OpNode[] ops, int[] releaseSlots) {
        this.ops = ops;
        this.releaseSlots = releaseSlots;
    }

    @Override
    @ExplodeLoop
    public void execute(VirtualFrame frame, BufferAllocator allocator) {
        for (int i = 0; i < ops.length; i++) {
            ops[i].execute(frame, allocator);
        }
        SegmentNode.releaseSlots(frame, releaseSlots);
    }
}
