package org.example.dnnrun;

import java.util.List;
import java.util.stream.Stream;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Pattern;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.Support;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.support.Shapes;
import dev.dnnrun.tensor.DType;

/**
 * A complete dnnrun backend in plain Java, written the way a vendor writes one: float32 Relu, Add and Mul of two
 * same-shape operands, a whole segment fused into one pass over the elements ({@link ExampleSegment}). It lives in
 * the vendor's own package and jar, built against the SPI only; its {@code META-INF/services/dev.dnnrun.accel.Accelerator}
 * entry is all dnnrun needs to find it, so {@code dnnrun --list-accel} lists it once the jar is on the class path and
 * {@code --accel example} runs on it.
 *
 * <p>The contract, in the order dnnrun uses a backend:
 * <ol>
 * <li>{@link #name()} is the short lower-case name of {@code --accel}; {@link #unavailableReason()} is null when the
 * backend can run here, else why not (a library or a device missing). Neither throws.</li>
 * <li>{@link #supports} is asked for every operator when a model loads. Sizes may still be -1 (unknown), and the op
 * may be anything a model contains: answer no with a reason ({@code dnnrun --explain} shows it) rather than throw.</li>
 * <li>{@link #compile} gets a segment, connected operators the partitioner placed here, with every size known. Check
 * everything native code would trust (types, sizes, byte counts that must fit a long, operators that agree with the
 * segment) and decline with {@link UnsupportedSegmentException}: the segment then runs on dnnrun's CPU kernels.</li>
 * <li>{@link CompiledSegment#execute} reads the inputs and writes the outputs in place, in dnnrun's Arrow buffers;
 * it must check their count and sizes first and never write past them. {@code close} may be called twice.</li>
 * </ol>
 * The contract test in {@code accel-tck} ({@code BackendContractTest}) checks all of this; see this module's tests.
 */
public final class ExampleAccelerator implements Accelerator {
    @Override
    public String name() {
        return "example";
    }

    @Override
    public String unavailableReason() {
        return null; // plain Java runs everywhere; a native backend would report a missing library here
    }

    @Override
    public Support supports(OpView op) {
        String type = op.opType();
        if (!op.domain().isEmpty() && !op.domain().equals("ai.onnx")) {
            return Support.no(type + " of domain '" + op.domain() + "': the example backend runs only ai.onnx operators");
        }
        int arity = switch (type) {
            case "Relu" -> 1;
            case "Add", "Mul" -> 2;
            default -> 0;
        };
        if (arity == 0) {
            return Support.no(type + ": the example backend runs only Relu, Add and Mul");
        }
        if (op.inputs().size() != arity || op.outputs().size() != 1) {
            return Support.no(type + " with " + op.inputs().size() + " inputs and " + op.outputs().size() + " outputs");
        }
        for (TensorType t : Stream.concat(op.inputTypes().stream(), op.outputTypes().stream()).toList()) {
            if (t == null || t.dtype() != DType.FLOAT || t.shape() == null) {
                return Support.no(type + " with " + (t == null ? "an unknown type" : t) + ": only float32 of known rank");
            }
        }
        if (op.inputTypes().size() != arity || op.outputTypes().size() != 1) {
            return Support.no(type + " without a type for every input and output");
        }
        for (TensorType t : op.inputTypes()) {
            if (!sameShape(t.shape(), op.outputType(0).shape())) {
                return Support.no(type + " of " + t + " to " + op.outputType(0) + ": only same shapes, no broadcasting");
            }
        }
        return Support.yes();
    }

    /** Add then Relu: the partitioner keeps such a chain whole, in one segment. */
    @Override
    public List<Pattern> patterns() {
        return List.of(Pattern.of("Add+Relu", "Add", "Relu"));
    }

    @Override
    public CompiledSegment compile(Segment segment) throws UnsupportedSegmentException {
        long elements = -1;
        for (OpView op : segment.ops()) {
            Support s = supports(op);
            if (!s.supported()) {
                throw new UnsupportedSegmentException(op.describe() + ": " + s.reason());
            }
            long n = Shapes.elementCount(op.describe() + " output", op.outputType(0).shape());
            if (elements >= 0 && n != elements) {
                throw new UnsupportedSegmentException(op.describe() + " has " + n + " elements, the segment " + elements);
            }
            elements = n;
        }
        if (elements < 0) {
            throw new UnsupportedSegmentException("an empty segment");
        }
        // ExampleSegment is a NativeSegment: it declines operators that disagree with the segment's types and sizes
        // that do not fit, and checks dnnrun's buffers before every run.
        return new ExampleSegment(segment, elements);
    }

    /** Equal ranks and sizes; -1 (unknown when the model loads) matches anything and is checked again at compile. */
    private static boolean sameShape(long[] a, long[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i] && a[i] >= 0 && b[i] >= 0) {
                return false;
            }
        }
        return true;
    }
}
