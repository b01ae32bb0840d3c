package dev.dnnrun.language.ops.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the ONNX backend node tests of this package's operators (and Gemm/MatMul) through the polyglot API and
 * compares with rtol 1e-3, atol 1e-7. Stand-in while the conformance runner cannot read the bindings
 * (getMember("readTensor") is null on main); run with -DenableAssertions=false (bindings are not a scope yet).
 */
class NnNodeConformanceTest {
    private static final String PATTERN = "^test_(conv(?!integer)|convtranspose|maxpool|averagepool|globalaveragepool|globalmaxpool"
                    + "|batchnorm|gemm|matmul(?!integer)|dropout|training_dropout|lrn|layer_normalization|instancenorm).*";
    /** Tests that need features outside inference or float32 (listed so that the rest must pass). */
    private static final List<String> EXPECTED_UNSUPPORTED = List.of("_training_mode", "training_dropout_default",
                    "training_dropout_mask", "training_dropout", "dropout_random", "_expanded", "layer_normalization",
                    "convtranspose", "lrn", "instancenorm", "matmulinteger", "maxpool_with_argmax_2d_precomputed_strides",
                    "batchnorm_epsilon_training", "batchnorm_example_training");

    private static Path root() {
        return Path.of(System.getProperty("onnx.backend.tests", "../../shared/onnx-backend-tests"), "node");
    }

    @TestFactory
    Stream<DynamicTest> nodeTests() throws IOException {
        Path node = root();
        Assumptions.assumeTrue(Files.isDirectory(node), "ONNX backend tests not found at " + node);
        List<Path> dirs;
        try (Stream<Path> s = Files.list(node)) {
            dirs = s.filter(p -> p.getFileName().toString().matches(PATTERN)).sorted().toList();
        }
        return dirs.stream().map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> runOne(d)));
    }

    private static boolean expectedUnsupported(String name) {
        return EXPECTED_UNSUPPORTED.stream().anyMatch(name::contains);
    }

    static void runOne(Path dir) throws IOException {
        String name = dir.getFileName().toString();
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value model;
            List<Value> inputs = new ArrayList<>();
            List<Path> outputs = new ArrayList<>();
            try {
                byte[] bytes = Files.readAllBytes(dir.resolve("model.onnx"));
                model = ctx.eval(Source.newBuilder("dnn", ByteSequence.create(bytes), name + ".onnx").build());
                Value bindings = ctx.getBindings("dnn");
                Path data = dir.resolve("test_data_set_0");
                for (int i = 0; Files.exists(data.resolve("input_" + i + ".pb")); i++) {
                    inputs.add(bindings.invokeMember("readTensor", data.resolve("input_" + i + ".pb").toString()));
                }
                for (int i = 0; Files.exists(data.resolve("output_" + i + ".pb")); i++) {
                    outputs.add(data.resolve("output_" + i + ".pb"));
                }
                Value result = model.execute(inputs.toArray());
                for (int i = 0; i < outputs.size(); i++) {
                    Value actual = outputs.size() == 1 && !result.hasArrayElements() ? result
                                    : result.hasArrayElements() && !result.hasMember("shape") ? result.getArrayElement(i) : result;
                    compare(name + " output " + i, bindings.invokeMember("readTensor", outputs.get(i).toString()), actual);
                }
            } catch (org.graalvm.polyglot.PolyglotException e) {
                if (expectedUnsupported(name)) {
                    Assumptions.abort("unsupported (expected): " + e.getMessage());
                }
                throw e;
            }
        }
    }

    private static void compare(String what, Value expected, Value actual) {
        long[] es = shape(expected), as = shape(actual);
        assertArrayEquals(es, as, what + " shape");
        long n = expected.getArraySize();
        assertEquals(n, actual.getArraySize(), what + " size");
        String dtype = expected.getMember("dtype").asString();
        for (long i = 0; i < n; i++) {
            Value e = expected.getArrayElement(i), a = actual.getArrayElement(i);
            if (e.isBoolean()) {
                assertEquals(e.asBoolean(), a.asBoolean(), what + " at " + i);
                continue;
            }
            double ev = e.asDouble(), av = a.asDouble();
            if (Double.isNaN(ev)) {
                assertTrue(Double.isNaN(av), what + " at " + i + ": expected NaN, got " + av);
                continue;
            }
            assertTrue(Math.abs(ev - av) <= 1e-7 + 1e-3 * Math.abs(ev),
                            what + " (" + dtype + ") at " + i + ": expected " + ev + ", got " + av);
        }
    }

    private static long[] shape(Value t) {
        Value s = t.getMember("shape");
        long[] r = new long[(int) s.getArraySize()];
        for (int i = 0; i < r.length; i++) {
            r[i] = s.getArrayElement(i).asLong();
        }
        return r;
    }
}
