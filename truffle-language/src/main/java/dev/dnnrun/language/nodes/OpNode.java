package dev.dnnrun.language.nodes;

import org.apache.arrow.memory.BufferAllocator;

import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.nodes.ExplodeLoop;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.tensor.Tensor;

/**
 * One ONNX operator in the model's AST. Subclasses (one per operator, in {@code dev.dnnrun.language.ops.*}) read
 * their attributes in the constructor, work out a {@link Plan} from an input {@link Signature}, and run the
 * kernel. This class does the rest: it reads the inputs from frame slots, looks the plan up in a per-node inline
 * cache keyed by signature, stores the outputs and releases values whose last use this node is.
 *
 * <p>Partial evaluation sees the slot traffic, the signature guards and the plan constants; the kernels
 * themselves are called behind a boundary because the community Graal compiler does not vectorise plain loops
 * while C2 does (see PLATFORM.md, "What compiles fast").
 */
public abstract class OpNode extends ExecNode {
    protected final GraphNode node;
    @CompilationFinal(dimensions = 1) private int[] inputSlots = new int[0];
    /** Inputs that are the model's constants: the same tensor on every call. */
    @CompilationFinal(dimensions = 1) private boolean[] constantInputs = new boolean[0];
    @CompilationFinal(dimensions = 1) private int[] outputSlots = new int[0];
    @CompilationFinal(dimensions = 1) private int[] releaseSlots = new int[0];
    @Child private PlanCacheNode planCache = PlanCacheNodeGen.create();
    @CompilationFinal private boolean profiled;
    private long profiledCalls;
    private long profiledNanos;

    protected OpNode(GraphNode node) {
        this.node = node;
    }

    public GraphNode graphNode() {
        return node;
    }

    /** Whether the contents of input {@code index} (not only its shape) decide the plan. */
    public boolean isValueInput(int index) {
        return false;
    }

    /** Checks input dtypes and shapes and computes the output types and shapes; throws OperatorException. */
    protected abstract Plan plan(Signature in);

    /** Computes the outputs for {@code plan}; {@code inputs} has null for omitted optional inputs. */
    protected abstract Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator);

    /**
     * Called by the AST builder once the frame layout is known; slot -1 is an omitted input or unused output,
     * {@code constants} marks the inputs that hold model constants.
     */
    public final void bindSlots(int[] inputs, boolean[] constants, int[] outputs, int[] release, boolean profile) {
        this.inputSlots = inputs;
        this.constantInputs = constants;
        this.outputSlots = outputs;
        this.releaseSlots = release;
        this.profiled = profile;
    }

    /** Calls of this node so far (only counted when profiling). */
    public long profiledCalls() {
        return profiledCalls;
    }

    /** Time spent in this node's kernel so far (only measured when profiling). */
    public long profiledNanos() {
        return profiledNanos;
    }

    @Override
    @ExplodeLoop
    public final void execute(VirtualFrame frame, BufferAllocator allocator) {
        Tensor[] in = new Tensor[inputSlots.length];
        for (int i = 0; i < inputSlots.length; i++) {
            in[i] = inputSlots[i] < 0 ? null : (Tensor) frame.getObject(inputSlots[i]);
        }
        Plan plan = planCache.execute(this, in);
        long start = profiled ? System.nanoTime() : 0;
        Tensor[] out = runKernel(plan, in, allocator);
        if (profiled) {
            profiledNanos += System.nanoTime() - start;
            profiledCalls++;
        }
        for (int i = 0; i < outputSlots.length; i++) {
            if (outputSlots[i] >= 0) {
                frame.setObject(outputSlots[i], out[i]);
            } else {
                release(out[i]);
            }
        }
        for (int i = 0; i < releaseSlots.length; i++) {
            release((Tensor) frame.getObject(releaseSlots[i]));
            frame.setObject(releaseSlots[i], null);
        }
    }

    /** Plans for a signature, naming this node in any error. Used by the cache and by load-time passes. */
    @TruffleBoundary
    public final Plan planFor(Signature signature) {
        try {
            Plan p = plan(signature);
            if (p.outputCount() < node.outputs().size()) {
                throw new OperatorException("node lists " + node.outputs().size() + " outputs, the operator produces "
                                + p.outputCount());
            }
            return p;
        } catch (OperatorException e) {
            throw error(e.getMessage() + " (inputs " + signature + ")");
        }
    }

    /** Runs the kernel outside partial evaluation, turning kernel failures into errors that name the node. */
    @TruffleBoundary
    public final Tensor[] runKernel(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        try {
            return run(plan, inputs, allocator);
        } catch (OperatorException e) {
            throw error(e.getMessage());
        } catch (DnnException e) {
            throw e;
        } catch (RuntimeException e) {
            throw error("internal error: " + e);
        }
    }

    /** Whether input {@code index} is a model constant, the same tensor on every call. */
    public final boolean isConstantInput(int index) {
        return index < constantInputs.length && constantInputs[index];
    }

    public final int[] inputSlots() {
        return inputSlots;
    }

    public final int[] outputSlots() {
        return outputSlots;
    }

    public final int[] releaseSlots() {
        return releaseSlots;
    }

    @TruffleBoundary
    static void release(Tensor t) {
        if (t != null) {
            t.close();
        }
    }

    @TruffleBoundary
    public final DnnException error(String message) {
        return new DnnException("node '" + node.displayName() + "' (" + node.qualifiedOp() + "): " + message);
    }
}
