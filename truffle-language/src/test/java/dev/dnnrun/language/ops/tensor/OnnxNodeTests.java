package dev.dnnrun.language.ops.tensor;

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
 * Runs ONNX backend node tests (model.onnx + test_data_set_0) through the polyglot API and compares outputs
 * (rtol 1e-3, atol 1e-7 for floating types; exact otherwise). A stand-in until the tests module's conformance
 * runner is on main.
 */
public final class OnnxNodeTests {
    /* "_expanded" tests run the operator's function body, made of other categories' operators: the conformance
       runner covers them once all categories are merged. */
    /** Tests of element types dnnrun cannot store (float8, float4, 2- and 4-bit integers). */
    static final java.util.regex.Pattern UNSTORABLE = java.util.regex.Pattern.compile("FLOAT8|FLOAT4|INT4|INT2|e8m0");

    private OnnxNodeTests() {
    }

    public static Path root() {
        String dir = System.getProperty("onnx.backend.tests");
        Path p = dir != null ? Path.of(dir) : Path.of("../../shared/onnx-backend-tests");
        if (!Files.isDirectory(p)) {
            p = Path.of("/work/shared/onnx-backend-tests");
        }
        return p.resolve("node");
    }

    /** Test folder names starting with any of the prefixes. */
    public static List<String> find(String... prefixes) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root())) {
            s.map(p -> p.getFileName().toString()).sorted().forEach(n -> {
                for (String pre : prefixes) {
                    if (n.startsWith(pre)) {
                        out.add(n);
                        return;
                    }
                }
            });
        }
        return out;
    }

    /** Runs one test; returns null when it passes, else the problem. */
    public static String run(Context ctx, String test) {
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

    static String compare(Value expected, Value actual) {
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

    static String shape(Value t) {
        Value s = t.getMember("shape");
        StringBuilder sb = new StringBuilder("[");
        for (long i = 0; i < s.getArraySize(); i++) {
            sb.append(i > 0 ? "," : "").append(s.getArrayElement(i).asLong());
        }
        return sb.append(']').toString();
    }

    public static Context context() {
        return Context.newBuilder("dnn").allowAllAccess(true).build();
    }

    /** Runs the tests with the prefixes; returns the failures, one line each. Prints a summary. */
    public static List<String> runAll(List<String> skip, String... prefixes) throws IOException {
        List<String> failures = new ArrayList<>();
        int passed = 0;
        try (Context ctx = context()) {
            for (String t : find(prefixes)) {
                if (skip.contains(t) || UNSTORABLE.matcher(t).find() || t.endsWith("_expanded")) {
                    continue;
                }
                String problem = run(ctx, t);
                if (problem == null) {
                    passed++;
                } else {
                    failures.add(t + ": " + problem);
                }
            }
        }
        System.out.println("[node tests] " + String.join(",", prefixes) + ": " + passed + " passed, " + failures.size()
                        + " failed");
        failures.forEach(f -> System.out.println("  FAIL " + f));
        return failures;
    }
}
