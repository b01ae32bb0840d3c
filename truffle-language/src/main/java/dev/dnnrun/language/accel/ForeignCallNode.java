package dev.dnnrun.language.accel;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.ExplodeLoop;

import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.language.nodes.ExecNode;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * A segment compiled by its backend for one input signature: a guard on the input dtypes and shapes (compilation
 * constants), then one downcall over the Arrow buffers. Another signature sends it back to its
 * {@link SegmentNode} to re-specialise; a failure in the backend goes to the segment's fallback policy (the CPU
 * from then on, or under {@code error} a failed call, this node staying for the next one).
 */
final class ForeignCallNode extends ExecNode {
    private final SegmentNode owner;
    private final CompiledSegment compiled;
    @CompilationFinal(dimensions = 1) private final int[] inputSlots;
    @CompilationFinal(dimensions = 1) private final int[] outputSlots;
    @CompilationFinal(dimensions = 1) private final int[] releaseSlots;
    @CompilationFinal(dimensions = 1) private final DType[] inputTypes;
    @CompilationFinal(dimensions = 2) private final long[][] inputShapes;
    @CompilationFinal(dimensions = 1) private final DType[] outputTypes;
    @CompilationFinal(dimensions = 2) private final long[][] outputShapes;

    ForeignCallNode(SegmentNode owner, CompiledSegment compiled, TensorType[] in, TensorType[] out) {
        this.owner = owner;
        this.compiled = compiled;
        this.inputSlots = owner.inputSlots();
        this.outputSlots = owner.outputSlots();
        this.releaseSlots = owner.segmentReleaseSlots();
        this.inputTypes = new DType[in.length];
        this.inputShapes = new long[in.length][];
        for (int i = 0; i < in.length; i++) {
            inputTypes[i] = in[i].dtype();
            inputShapes[i] = in[i].shape();
        }
        this.outputTypes = new DType[out.length];
        this.outputShapes = new long[out.length][];
        for (int i = 0; i < out.length; i++) {
            outputTypes[i] = out[i].dtype();
            outputShapes[i] = out[i].shape();
        }
    }

    /** Thrown when the backend fails at run time; carries the reason to the fallback. */
    static final class BackendFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BackendFailure(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    @ExplodeLoop
    public void execute(VirtualFrame frame, BufferAllocator allocator) {
        Tensor[] in = new Tensor[inputSlots.length];
        boolean same = true;
        for (int i = 0; i < inputSlots.length; i++) {
            in[i] = (Tensor) frame.getObject(inputSlots[i]);
            same &= in[i].dtype() == inputTypes[i] && Signature.sameShape(inputShapes[i], in[i].shape());
        }
        if (!same) {
            CompilerDirectives.transferToInterpreterAndInvalidate();
            replace(owner.specialize(in, allocator)).execute(frame, allocator);
            return;
        }
        Tensor[] out;
        try {
            out = call(in, allocator);
        } catch (BackendFailure e) {
            CompilerDirectives.transferToInterpreterAndInvalidate();
            replace(owner.fallBack("failed at run time: " + e.getMessage())).execute(frame, allocator);
            return;
        }
        for (int i = 0; i < outputSlots.length; i++) {
            frame.setObject(outputSlots[i], out[i]);
        }
        SegmentNode.releaseSlots(frame, releaseSlots);
    }

    @TruffleBoundary
    private Tensor[] call(Tensor[] in, BufferAllocator allocator) {
        long start = System.nanoTime();
        Tensor[] out = invoke(compiled, in, outputTypes, outputShapes, allocator);
        owner.record().ran(System.nanoTime() - start);
        return out;
    }

    /**
     * One call of a compiled segment: allocates the outputs with their planned types, hands the backend the Arrow
     * buffers of inputs and outputs, and returns the outputs. If the backend throws, frees the outputs and throws
     * {@link BackendFailure} with its reason. The AST's calls and {@code --accel auto}'s timing both go through here.
     */
    static Tensor[] invoke(CompiledSegment compiled, Tensor[] in, DType[] outputTypes, long[][] outputShapes, BufferAllocator allocator) {
        Tensor[] out = new Tensor[outputTypes.length];
        try {
            ArrowBuf[] inBufs = new ArrowBuf[in.length];
            for (int i = 0; i < in.length; i++) {
                inBufs[i] = in[i].arrowBuffer();
            }
            ArrowBuf[] outBufs = new ArrowBuf[out.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = Tensor.allocate(allocator, outputTypes[i], outputShapes[i]);
                outBufs[i] = out[i].arrowBuffer();
            }
            compiled.execute(inBufs, outBufs);
            return out;
        } catch (Throwable t) {
            for (Tensor o : out) {
                if (o != null) {
                    o.close();
                }
            }
            throw new BackendFailure(t.toString());
        }
    }
}
