package dev.dnnrun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/**
 * Guards the platform setup: the optimizing Truffle runtime must be active (not the interpreter-only fallback
 * that JDK flags silently select), and a model's AST must actually be compiled and run as machine code.
 */
class CompilationGuardTest {

    @Test
    void optimizingRuntimeIsActive() {
        try (Context context = Context.create("dnn")) {
            String impl = context.getEngine().getImplementationName();
            assertNotEquals("Interpreted", impl, "Truffle fell back to the interpreter: JVMCI/compiler flags missing?");
        }
    }

    @Test
    void modelRunsAsCompiledCode() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).allowExperimentalOptions(true)
                        .option("engine.CompileImmediately", "true")
                        .option("engine.BackgroundCompilation", "false")
                        .option("engine.TraceCompilation", "true")
                        .logHandler(log).build()) {
            Value model = TestModels.load(context, TestModels.mlp(), "mlp");
            Value x = context.getBindings("dnn").getMember("tensor").execute("float32", new long[]{1, 4}, new float[]{1, 2, 3, 4});
            float[] expected = TestModels.mlpReference(new float[]{1, 2, 3, 4});
            for (int i = 0; i < 3; i++) {
                Value y = model.execute(x).getArrayElement(0);
                for (int j = 0; j < 3; j++) {
                    assertEquals(expected[j], y.getArrayElement(j).asFloat(), 1e-5f);
                }
                y.invokeMember("close");
            }
            Value stats = model.getMember("stats");
            assertEquals(3, stats.getMember("calls").asLong());
            assertTrue(stats.getMember("compiledCalls").asLong() >= 1, "the model's call target never ran compiled code");
        }
        String trace = log.toString(StandardCharsets.UTF_8);
        assertTrue(trace.contains("opt done") && trace.contains("dnn:mlp"), "expected an 'opt done' trace line for dnn:mlp:\n" + trace);
    }
}
