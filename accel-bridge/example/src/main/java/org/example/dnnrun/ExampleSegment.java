package org.example.dnnrun;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.support.NativeSegment;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * A compiled chain of Relu, Add and Mul over values of one shape, run as one fused pass: for each element, the
 * segment's inputs (and constants) are loaded into registers, every operator runs on registers, and the outputs are
 * stored, so no intermediate is ever written to memory. Inputs and outputs are dnnrun's Arrow buffers, read and
 * written in place: {@link NativeSegment} (an optional helper of the SPI) checks them and hands them over as
 * {@link MemorySegment}s of exactly the values' sizes, serialises runs and makes close idempotent.
 */
final class ExampleSegment extends NativeSegment {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** One operator on registers. */
    private record Step(String op, int a, int b, int out) {
    }

    private final long elements;
    private final int[] inputRegs, outputRegs, constantRegs;
    private final MemorySegment[] constants; // read in place: dnnrun keeps them valid and unchanged until close
    private final List<Step> steps = new ArrayList<>();
    private final int registers;

    ExampleSegment(Segment segment, long elements) throws UnsupportedSegmentException {
        super(segment);
        this.elements = elements;
        Map<String, Integer> reg = new HashMap<>();
        inputRegs = new int[segment.inputs().size()];
        for (int i = 0; i < inputRegs.length; i++) {
            inputRegs[i] = reg.computeIfAbsent(segment.inputs().get(i), k -> reg.size());
        }
        List<String> constantNames = new ArrayList<>();
        for (OpView op : segment.ops()) {
            for (String in : op.inputs()) {
                Tensor c = segment.constants().get(in);
                if (!reg.containsKey(in) && c != null && c.dtype() == DType.FLOAT && c.elementCount() == elements) {
                    constantNames.add(in);
                    reg.put(in, reg.size());
                } else if (!reg.containsKey(in)) {
                    throw new UnsupportedSegmentException("'" + in + "' is no input, float32 constant of the right size or earlier result");
                }
            }
            int a = reg.get(op.inputs().get(0)), b = op.inputs().size() > 1 ? reg.get(op.inputs().get(1)) : a;
            steps.add(new Step(op.opType(), a, b, reg.computeIfAbsent(op.outputs().get(0), k -> reg.size())));
        }
        constants = new MemorySegment[constantNames.size()];
        constantRegs = new int[constantNames.size()];
        for (int i = 0; i < constants.length; i++) {
            constants[i] = segment.constants().get(constantNames.get(i)).segment();
            constantRegs[i] = reg.get(constantNames.get(i));
        }
        outputRegs = new int[segment.outputs().size()];
        for (int i = 0; i < outputRegs.length; i++) {
            Integer r = reg.get(segment.outputs().get(i));
            if (r == null || segment.inputs().contains(segment.outputs().get(i))) {
                throw new UnsupportedSegmentException("output '" + segment.outputs().get(i) + "' is not computed by the segment");
            }
            outputRegs[i] = r;
        }
        registers = reg.size();
    }

    @Override
    protected void run(MemorySegment[] in, MemorySegment[] out) {
        float[] r = new float[registers];
        for (long e = 0; e < elements; e++) {
            for (int k = 0; k < in.length; k++) {
                r[inputRegs[k]] = in[k].getAtIndex(F32, e);
            }
            for (int k = 0; k < constants.length; k++) {
                r[constantRegs[k]] = constants[k].getAtIndex(F32, e);
            }
            for (Step s : steps) {
                r[s.out()] = switch (s.op()) {
                    case "Relu" -> Math.max(r[s.a()], 0f);
                    case "Add" -> r[s.a()] + r[s.b()];
                    default -> r[s.a()] * r[s.b()]; // Mul
                };
            }
            for (int k = 0; k < out.length; k++) {
                out[k].setAtIndex(F32, e, r[outputRegs[k]]);
            }
        }
    }

    @Override
    protected void release() {
        // nothing native to free: the constants are dnnrun's, the buffers the caller's
    }
}
