package org.example.dnnrun;

import static dev.dnnrun.accel.tck.Reference.assertClose;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Support;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.tck.SegmentBuilder;
import dev.dnnrun.tensor.Tensor;

/** The example backend beyond the contract: constants read in place, a longer fused chain, what it declines. */
class ExampleAcceleratorTest {
    private final ExampleAccelerator example = new ExampleAccelerator();

    @Test
    void chainWithAConstantAndTwoOutputsRunsInOnePass() throws Exception {
        long[] shape = { 2, 3, 4 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", shape);
            float[] y = b.input("y", shape);
            float[] scale = b.constant("scale", shape);
            b.op("Mul", List.of("x", "scale"), "m", shape);
            b.op("Add", List.of("m", "y"), "s", shape);
            b.op("Relu", List.of("s"), "r", shape);
            b.op("Mul", List.of("r", "r"), "q", shape);
            b.output("q", "s");
            try (CompiledSegment c = example.compile(b.build())) {
                Tensor[] out = b.outputTensors();
                c.execute(b.inputBuffers(), SegmentBuilder.buffers(out));
                float[] s = new float[x.length], q = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    s[i] = x[i] * scale[i] + y[i];
                    q[i] = Math.max(0, s[i]) * Math.max(0, s[i]);
                }
                assertClose(q, out[0], 1e-6);
                assertClose(s, out[1], 1e-6);
            }
        }
    }

    @Test
    void declinesBroadcastingAndOtherDtypesWithReasons() {
        try (SegmentBuilder b = new SegmentBuilder()) {
            b.input("x", 2, 3);
            b.input("row", 1, 3);
            b.input("i", dev.dnnrun.tensor.DType.INT32, 2, 3);
            Support broadcast = example.supports(b.op("Add", List.of("x", "row"), "y", new long[] { 2, 3 }));
            assertFalse(broadcast.supported());
            assertTrue(broadcast.reason().contains("no broadcasting"), broadcast.reason());
            OpView ints = b.op("Relu", List.of("i"), "z", new long[] { 2, 3 });
            assertTrue(example.supports(ints).reason().contains("only float32"), example.supports(ints).reason());
            assertTrue(example.supports(b.op("Sigmoid", List.of("x"), "w", new long[] { 2, 3 })).reason().contains("only Relu, Add and Mul"));
        }
    }

    @Test
    void anOutputThatIsAnInputIsDeclined() {
        try (SegmentBuilder b = new SegmentBuilder()) {
            b.input("x", 4);
            b.op("Relu", List.of("x"), "y", new long[] { 4 });
            b.output("y", "x");
            assertThrows(UnsupportedSegmentException.class, () -> example.compile(b.build()));
        }
    }
}
