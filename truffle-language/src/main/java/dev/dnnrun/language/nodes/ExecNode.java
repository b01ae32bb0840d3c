package dev.dnnrun.language.nodes;

import org.apache.arrow.memory.BufferAllocator;

import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.Node;

/**
 * A step of the model's AST: one CPU operator ({@link OpNode}), or a segment placed on an accelerator, which
 * specialises itself into a foreign call or falls back to the CPU operators it contains.
 */
public abstract class ExecNode extends Node {
    public abstract void execute(VirtualFrame frame, BufferAllocator allocator);
}
