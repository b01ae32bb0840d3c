package dev.dnnrun.language.nodes;

import org.apache.arrow.memory.BufferAllocator;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.frame.FrameDescriptor;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.ExplodeLoop;
import com.oracle.truffle.api.nodes.RootNode;

import dev.dnnrun.tensor.Tensor;

/**
 * The whole model as one call target. Arguments: the input tensors (in graph-input order) and the allocator for
 * results. Every value of the graph has a frame slot; the operator nodes run in topological order, each reading
 * and writing slots, and intermediates are released at their last use. Returns the output tensors, each owned by
 * the caller.
 */
public final class ModelRootNode extends RootNode {
    private final String name;
    @Children private final ExecNode[] ops;
    @CompilationFinal(dimensions = 1) private final int[] inputSlots;
    @CompilationFinal(dimensions = 1) private final int[] constantSlots;
    @CompilationFinal(dimensions = 1) private final Tensor[] constants;
    @CompilationFinal(dimensions = 1) private final int[] intermediateSlots;
    @CompilationFinal(dimensions = 1) private final int[] outputSlots;
    /** Outputs that are graph inputs, constants or repeats: the caller gets its own reference to them. */
    @CompilationFinal(dimensions = 1) private final boolean[] outputShared;
    /** Calls, and calls that ran in compiled code: lets tests and --verbose prove the AST was compiled. */
    private long calls;
    private long compiledCalls;

    public ModelRootNode(TruffleLanguage<?> language, FrameDescriptor frame, String name, ExecNode[] ops, int[] inputSlots,
                    int[] constantSlots, Tensor[] constants, int[] intermediateSlots, int[] outputSlots, boolean[] outputShared) {
        super(language, frame);
        this.name = name;
        this.ops = ops;
        this.inputSlots = inputSlots;
        this.constantSlots = constantSlots;
        this.constants = constants;
        this.intermediateSlots = intermediateSlots;
        this.outputSlots = outputSlots;
        this.outputShared = outputShared;
    }

    @Override
    public Object execute(VirtualFrame frame) {
        Object[] args = frame.getArguments();
        Tensor[] inputs = (Tensor[]) args[0];
        BufferAllocator allocator = (BufferAllocator) args[1];
        calls++;
        if (CompilerDirectives.inCompiledCode()) {
            compiledCalls++;
        }
        bind(frame, inputs);
        try {
            runOps(frame, allocator);
        } catch (RuntimeException e) {
            CompilerDirectives.transferToInterpreter();
            releaseIntermediates(frame);
            throw e;
        }
        return collectOutputs(frame);
    }

    @ExplodeLoop
    private void bind(VirtualFrame frame, Tensor[] inputs) {
        for (int i = 0; i < inputSlots.length; i++) {
            frame.setObject(inputSlots[i], inputs[i]);
        }
        for (int i = 0; i < constantSlots.length; i++) {
            frame.setObject(constantSlots[i], constants[i]);
        }
        for (int i = 0; i < intermediateSlots.length; i++) {
            frame.setObject(intermediateSlots[i], null);
        }
    }

    @ExplodeLoop
    private void runOps(VirtualFrame frame, BufferAllocator allocator) {
        for (int i = 0; i < ops.length; i++) {
            ops[i].execute(frame, allocator);
        }
    }

    @ExplodeLoop
    private Tensor[] collectOutputs(VirtualFrame frame) {
        Tensor[] out = new Tensor[outputSlots.length];
        for (int i = 0; i < outputSlots.length; i++) {
            Tensor t = (Tensor) frame.getObject(outputSlots[i]);
            out[i] = outputShared[i] ? share(t) : t;
        }
        return out;
    }

    private void releaseIntermediates(VirtualFrame frame) {
        for (int slot : intermediateSlots) {
            Object v = frame.getObject(slot);
            if (v instanceof Tensor t) {
                t.close();
            }
        }
    }

    @TruffleBoundary
    private static Tensor share(Tensor t) {
        return t.share();
    }

    public long calls() {
        return calls;
    }

    public long compiledCalls() {
        return compiledCalls;
    }

    public ExecNode[] ops() {
        return ops;
    }

    @Override
    public String getName() {
        return "dnn:" + name;
    }

    @Override
    public String toString() {
        return getName();
    }
}
