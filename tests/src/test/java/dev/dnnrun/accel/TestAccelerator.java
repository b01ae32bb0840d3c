package dev.dnnrun.accel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.arrow.memory.ArrowBuf;

import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * A backend for tests, registered through META-INF/services like a vendor's: it runs float32 Add, Mul and Relu of
 * same-shape tensors in plain Java, and its knobs make it decline, fail to compile, fail at run time or be unavailable.
 */
public final class TestAccelerator implements Accelerator {
    public static volatile boolean declineCompile;
    public static volatile boolean failCompile;
    public static volatile boolean failRun;
    /** When set, the backend says it cannot run here, for this reason. */
    public static volatile String unavailable;
    public static final AtomicInteger COMPILES = new AtomicInteger();
    public static final AtomicInteger RUNS = new AtomicInteger();

    public static void reset() {
        declineCompile = false;
        failCompile = false;
        failRun = false;
        unavailable = null;
        COMPILES.set(0);
        RUNS.set(0);
    }

    @Override
    public String name() {
        return "test";
    }

    @Override
    public String unavailableReason() {
        return unavailable;
    }

    @Override
    public Support supports(OpView op) {
        if (!List.of("Add", "Mul", "Relu").contains(op.opType())) {
            return Support.no("the test backend runs only Add, Mul and Relu");
        }
        for (TensorType t : op.inputTypes()) {
            if (t == null || t.dtype() != DType.FLOAT) {
                return Support.no("only float32");
            }
        }
        return Support.yes();
    }

    @Override
    public List<Pattern> patterns() {
        return List.of(Pattern.of("add-relu", "Add", "Relu"));
    }

    @Override
    public CompiledSegment compile(Segment segment) throws UnsupportedSegmentException {
        if (declineCompile) {
            throw new UnsupportedSegmentException("told to decline");
        }
        if (failCompile) {
            throw new IllegalStateException("told to fail compiling");
        }
        for (OpView op : segment.ops()) {
            for (int i = 1; i < op.inputs().size(); i++) {
                if (!op.inputType(i).equals(op.inputType(0))) {
                    throw new UnsupportedSegmentException("inputs of different shapes");
                }
            }
        }
        COMPILES.incrementAndGet();
        return new CompiledSegment() {
            @Override
            public void execute(ArrowBuf[] inputs, ArrowBuf[] outputs) {
                if (failRun) {
                    throw new IllegalStateException("told to fail at run time");
                }
                RUNS.incrementAndGet();
                Map<String, float[]> values = new HashMap<>();
                for (int i = 0; i < inputs.length; i++) {
                    values.put(segment.inputs().get(i), read(inputs[i], segment.inputTypes().get(i)));
                }
                for (Map.Entry<String, Tensor> c : segment.constants().entrySet()) {
                    values.put(c.getKey(), c.getValue().toFloatArray());
                }
                for (OpView op : segment.ops()) {
                    float[] a = values.get(op.inputs().get(0));
                    float[] r = new float[a.length];
                    for (int k = 0; k < a.length; k++) {
                        r[k] = switch (op.opType()) {
                            case "Add" -> a[k] + values.get(op.inputs().get(1))[k];
                            case "Mul" -> a[k] * values.get(op.inputs().get(1))[k];
                            default -> Math.max(0, a[k]);
                        };
                    }
                    values.put(op.outputs().get(0), r);
                }
                for (int i = 0; i < outputs.length; i++) {
                    float[] v = values.get(segment.outputs().get(i));
                    MemorySegment out = MemorySegment.ofAddress(outputs[i].memoryAddress()).reinterpret(v.length * 4L);
                    MemorySegment.copy(v, 0, out, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, v.length);
                }
            }

            @Override
            public void close() {
            }
        };
    }

    private static float[] read(ArrowBuf buf, TensorType t) {
        int n = (int) Tensor.elementCount(t.shape());
        float[] v = new float[n];
        MemorySegment.copy(MemorySegment.ofAddress(buf.memoryAddress()).reinterpret(n * 4L), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, v, 0, n);
        return v;
    }
}
