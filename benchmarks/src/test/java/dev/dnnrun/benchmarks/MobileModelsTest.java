package dev.dnnrun.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/**
 * Each generated model is deterministic, near the size of the real models of its kind, and computes the same thing
 * on dnnrun (its own kernels, and with oneDNN where available, as the JMH suite runs it) as on ONNX Runtime:
 * outputs agree within rtol 1e-3 / atol 1e-4, are finite, and vary (a model whose output is constant would measure
 * nothing). Prints each model's GFLOP, parameters and output range.
 */
class MobileModelsTest {
    private static final double RTOL = 1e-3;
    private static final double ATOL = 1e-4;

    static Stream<Arguments> cases() {
        return MobileModels.names().stream().flatMap(m -> Stream.of(Arguments.of(m, "cpu"), Arguments.of(m, "onednn")));
    }

    @Test
    void generationIsDeterministicAndNearTheQuotedSize() throws Exception {
        for (MobileModels.Spec spec : MobileModels.ALL) {
            String name = spec.name();
            NetBuilder.Built built = spec.build();
            assertArrayEquals(built.onnx(), spec.build().onnx(), name + ": generation is not deterministic");
            Path file = ModelFiles.resolve(name);
            assertArrayEquals(built.onnx(), Files.readAllBytes(file), name + ": the file differs from the generator's bytes");
            assertTrue(built.gflop() >= spec.quotedGflop() / 2 && built.gflop() <= spec.quotedGflop() * 2,
                            name + ": " + built.gflop() + " GFLOP is not within 2x of the " + spec.quotedGflop() + " quoted");
            System.out.printf(Locale.ROOT, "%s: input %s, output %s, %.3f GFLOP (%,d MACs), %,d params, %,d bytes%n", name,
                            MobileModels.dims(spec.input()), MobileModels.dims(built.outputShape()), built.gflop(), built.macs(),
                            built.params(), built.onnx().length);
        }
    }

    @ParameterizedTest(name = "{0} on dnnrun --accel {1}")
    @MethodSource("cases")
    void generatedModelAgreesWithOnnxRuntime(String name, String accel) throws Exception {
        assumeTrue(unavailableReason(accel) == null, () -> accel + " unavailable: " + unavailableReason(accel));
        NetBuilder.Built built = MobileModels.find(name).orElseThrow().build();
        Path file = ModelFiles.resolve(name);
        float[] expected = onnxRuntime(file, built.outputShape());
        float[] actual = dnnrun(file, accel, built.outputShape());
        assertEquals(expected.length, actual.length, name + ": output sizes");
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            float a = actual[i];
            float e = expected[i];
            assertTrue(Float.isFinite(a) && Float.isFinite(e), name + ": non-finite output at " + i + ": dnnrun " + a + ", onnxruntime " + e);
            double diff = Math.abs(a - e);
            assertTrue(diff <= ATOL + RTOL * Math.abs(e), name + ": output " + i + ": dnnrun " + a + ", onnxruntime " + e);
            worst = Math.max(worst, diff);
            min = Math.min(min, a);
            max = Math.max(max, a);
            sum += a;
        }
        assertTrue(max - min > 1e-4, name + ": output is constant (" + min + " .. " + max + "), the model measures nothing");
        System.out.printf(Locale.ROOT, "%s --accel %s: output %.4g .. %.4g, mean %.4g; max |dnnrun - onnxruntime| %.3g%n", name, accel,
                        min, max, sum / actual.length, worst);
    }

    /** dnnrun through the polyglot API, as the benchmarks call it. */
    private static float[] dnnrun(Path file, String accel, long[] outputShape) throws Exception {
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).option("dnn.Accel", accel).build()) {
            Value compiled = context.eval(Source.newBuilder("dnn", file.toFile()).build());
            Value input = ModelInputs.dnnrun(context, compiled);
            Value out = compiled.execute(input).getArrayElement(0);
            Value shape = out.getMember("shape");
            for (int i = 0; i < outputShape.length; i++) {
                assertEquals(outputShape[i], shape.getArrayElement(i).asLong(), "dnnrun output shape");
            }
            byte[] bytes = new byte[Math.toIntExact(out.getMember("size").asLong() * 4)];
            out.readBuffer(0, bytes, 0, bytes.length);
            out.invokeMember("close");
            float[] values = new float[bytes.length / 4];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            return values;
        }
    }

    private static float[] onnxRuntime(Path file, long[] outputShape) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(file.toString(), options);
                            OnnxTensor input = ModelInputs.ort(env, session);
                            OrtSession.Result result = session.run(Map.of(session.getInputNames().iterator().next(), input))) {
                OnnxTensor out = (OnnxTensor) result.get(0);
                assertArrayEquals(outputShape, out.getInfo().getShape(), "onnxruntime output shape");
                float[] values = new float[Math.toIntExact(out.getInfo().getNumElements())];
                out.getFloatBuffer().get(values);
                return values;
            }
        }
    }

    /** Null when the accelerator is available, else why not (as AcceleratedConformanceTest asks). */
    private static String unavailableReason(String accel) {
        if (accel.equals("cpu")) {
            return null;
        }
        try (Context c = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value list = c.getBindings("dnn").invokeMember("accelerators");
            for (long i = 0; i < list.getArraySize(); i++) {
                Value a = list.getArrayElement(i);
                if (a.getMember("name").asString().equals(accel)) {
                    return a.getMember("available").asBoolean() ? null : a.getMember("reason").asString();
                }
            }
        }
        return "not on the class path";
    }
}
