package dev.dnnrun.language.ops.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

/**
 * Runs ONNX backend node tests (model.onnx + test_data_set_0) of the elementwise operators through the polyglot
 * API and compares outputs: same dtype and shape, rtol 1e-3 / atol 1e-7 for floating types, exact otherwise.
 * Kept beside the tests module's conformance runner while that runner cannot finish a full node run and its
 * pass list is empty; delete it once the pass list covers these operators.
 */
public final class ElementwiseNodeTests {
    private ElementwiseNodeTests() {
    }

    static Path root() {
        String dir = System.getProperty("onnx.backend.tests");
        Path p = dir != null ? Path.of(dir) : Path.of("../../shared/onnx-backend-tests");
        if (!Files.isDirectory(p)) {
            p = Path.of("/work/shared/onnx-backend-tests");
        }
        return p.resolve("node");
    }

    /** Runs the named tests plus every test named {@code prefix_...} for each name, minus {@code skip}; asserts all pass. */
    public static void check(List<String> skip, String... names) throws IOException {
        boolean present = Files.isDirectory(root());
        if (!present) {
            System.out.println("[node tests] SKIPPED: no ONNX backend tests at " + root());
        }
        assumeTrue(present);
        List<String> tests = new ArrayList<>();
        try (Stream<Path> s = Files.list(root())) {
            s.map(p -> p.getFileName().toString()).sorted().forEach(n -> {
                for (String name : names) {
                    if ((n.equals(name) || n.startsWith(name + "_")) && !n.contains("_expanded") && !skip.contains(n)) {
                        tests.add(n);
                        return;
                    }
                }
            });
        }
        List<String> failures = new ArrayList<>();
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            for (String t : tests) {
                String problem = run(ctx, t);
                if (problem != null) {
                    failures.add(t + ": " + problem);
                }
            }
        }
        System.out.println("[node tests] " + String.join(",", names) + ": " + (tests.size() - failures.size()) + " of "
                        + tests.size() + " passed");
        failures.forEach(f -> System.out.println("  FAIL " + f));
        assertEquals(List.of(), failures);
    }

    /** Runs one test; null when it passes, else the problem. */
    static String run(Context ctx, String test) {
        Path dir = root().resolve(test);
        try {
            byte[] bytes = Files.readAllBytes(dir.resolve("model.onnx"));
            Value model = ctx.eval(Source.newBuilder("dnn", ByteSequence.create(bytes), test + ".onnx").build());
            Path data = dir.resolve("test_data_set_0");
            Value bindings = ctx.getBindings("dnn");
            List<Value> inputs = new ArrayList<>();
            for (int i = 0; Files.exists(data.resolve("input_" + i + ".pb")); i++) {
                inputs.add(bindings.invokeMember("readTensor", data.resolve("input_" + i + ".pb").toString()));
            }
            Value outputs = model.execute(inputs.toArray());
            for (int i = 0; Files.exists(data.resolve("output_" + i + ".pb")); i++) {
                Value expected = bindings.invokeMember("readTensor", data.resolve("output_" + i + ".pb").toString());
                String problem = compare(expected, outputs.getArrayElement(i));
                if (problem != null) {
                    return "output " + i + ": " + problem;
                }
            }
            return null;
        } catch (Exception e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private static String shape(Value t) {
        Value s = t.getMember("shape");
        StringBuilder sb = new StringBuilder("[");
        for (long i = 0; i < s.getArraySize(); i++) {
            sb.append(i > 0 ? "," : "").append(s.getArrayElement(i).asLong());
        }
        return sb.append(']').toString();
    }

    private static String compare(Value expected, Value actual) {
        String et = expected.getMember("dtype").asString();
        String at = actual.getMember("dtype").asString();
        if (!et.equals(at)) {
            return "dtype " + at + ", expected " + et;
        }
        String es = shape(expected);
        String as = shape(actual);
        if (!es.equals(as)) {
            return "shape " + as + ", expected " + es;
        }
        boolean floating = et.startsWith("float") || et.equals("bfloat16");
        long n = expected.getArraySize();
        for (long i = 0; i < n; i++) {
            Value e = expected.getArrayElement(i);
            Value a = actual.getArrayElement(i);
            if (floating) {
                double x = e.asDouble();
                double y = a.asDouble();
                if (Double.isNaN(x) && Double.isNaN(y) || x == y) {
                    continue;
                }
                if (!(Math.abs(x - y) <= 1e-7 + 1e-3 * Math.abs(x))) {
                    return "element " + i + " is " + y + ", expected " + x;
                }
            } else if (!e.toString().equals(a.toString())) {
                return "element " + i + " is " + a + ", expected " + e;
            }
        }
        return null;
    }
}
