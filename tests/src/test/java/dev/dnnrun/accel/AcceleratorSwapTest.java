package dev.dnnrun.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.dnnrun.language.onnx.ModelBuilder;

/**
 * The specialisation-time swap, path by path, with the test backend: claim, compile and run; decline; compile
 * failure; run-time failure; shape change; placement replay; the fallback policies. Whatever the backend does,
 * results equal the CPU's, or under fallback error the call fails with the backend's reason.
 */
class AcceleratorSwapTest {
    @TempDir Path dir;

    /** y = softmax(relu(x + x) * x): Add, Relu and Mul go to the test backend, Softmax stays on the CPU. */
    private static byte[] model() {
        return new ModelBuilder("swap").opset(17)
                        .input("x", dev.dnnrun.tensor.DType.FLOAT, "N", 4)
                        .node("Add", "x,x", "a").name("add").done()
                        .node("Relu", "a", "r").name("relu").done()
                        .node("Mul", "r,x", "m").name("mul").done()
                        .node("Softmax", "m", "y").name("softmax").done()
                        .output("y", dev.dnnrun.tensor.DType.FLOAT, "N", 4)
                        .build();
    }

    private static float[] input(int rows) {
        float[] x = new float[rows * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 5) * 0.4f - 0.7f;
        }
        return x;
    }

    private static Context context(String accel, String placement) {
        Context.Builder b = Context.newBuilder("dnn").allowAllAccess(true).option("dnn.Accel", accel);
        if (placement != null) {
            b.option("dnn.Placement", placement);
        }
        return b.build();
    }

    private static Value load(Context c) {
        return c.eval(Source.newBuilder("dnn", ByteSequence.create(model()), "swap.onnx").buildLiteral());
    }

    private static float[] run(Value model, Context c, int rows) {
        Value x = c.getBindings("dnn").getMember("tensor").execute("float32", new long[]{rows, 4}, input(rows));
        Value y = model.execute(x).getArrayElement(0);
        float[] out = new float[rows * 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = y.getArrayElement(i).asFloat();
        }
        y.invokeMember("close");
        x.invokeMember("close");
        return out;
    }

    private static float[] cpuReference(int rows) {
        try (Context c = context("cpu", null)) {
            return run(load(c), c, rows);
        }
    }

    private static Value segment(Value model) {
        Value segments = model.getMember("placement").getMember("segments");
        assertEquals(1, segments.getArraySize(), "expected one segment");
        return segments.getArrayElement(0);
    }

    @BeforeEach
    void resetBackend() {
        TestAccelerator.reset();
    }

    /** The context's tensor bytes less the model's idle working memory: what callers and the model's constants hold. */
    private static long held(Value dnn, Value model) {
        return dnn.getMember("allocatedBytes").execute().asLong() - model.getMember("stats").getMember("workspaceBytes").asLong();
    }

    @Test
    void claimedSegmentCompilesOnceAndRunsOnTheBackend() {
        try (Context c = context("test", null)) {
            Value model = load(c);
            Value seg = segment(model);
            assertEquals("test", seg.getMember("backend").asString());
            assertEquals(3, seg.getMember("ops").getArraySize());
            assertEquals("add-relu", seg.getMember("patterns").getArrayElement(0).asString());
            Value cpu = model.getMember("placement").getMember("cpu");
            assertEquals(1, cpu.getArraySize());
            assertEquals("Softmax", cpu.getArrayElement(0).getMember("op").asString());
            assertTrue(cpu.getArrayElement(0).getMember("reasons").getMember("test").asString().contains("only Add, Mul and Relu"));

            for (int i = 0; i < 3; i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
            }
            assertEquals(1, TestAccelerator.COMPILES.get());
            assertEquals(3, TestAccelerator.RUNS.get());
            seg = segment(model);
            assertTrue(seg.getMember("state").asString().startsWith("compiled"), seg.getMember("state").asString());
            assertEquals(3, seg.getMember("calls").asLong());
        }
    }

    private void assertFallsBack(String expectedReason) {
        try (Context c = context("test", null)) {
            Value model = load(c);
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
            Value seg = segment(model);
            assertEquals("running on cpu", seg.getMember("state").asString());
            assertTrue(seg.getMember("fallbackReason").asString().contains(expectedReason), seg.getMember("fallbackReason").asString());
        }
    }

    @Test
    void declinedSegmentRunsOnTheCpu() {
        TestAccelerator.declineCompile = true;
        assertFallsBack("declined: told to decline");
    }

    @Test
    void compileFailureFallsBackToTheCpu() {
        TestAccelerator.failCompile = true;
        assertFallsBack("compile failed");
    }

    @Test
    void runTimeFailureFallsBackToTheCpu() {
        TestAccelerator.failRun = true;
        assertFallsBack("failed at run time");
        assertEquals(0, TestAccelerator.RUNS.get());
    }

    @Test
    void newInputShapesRespecialise() {
        try (Context c = context("test", null)) {
            Value model = load(c);
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(3), run(model, c, 3), 1e-6f);
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
            assertEquals(2, TestAccelerator.COMPILES.get(), "one compilation per input shape, reused when it comes back");
            assertEquals(2, segment(model).getMember("compilations").asLong());
            assertEquals(3, TestAccelerator.RUNS.get());
        }
    }

    @Test
    void foreignCallsLeakNoMemory() {
        try (Context c = context("test", null)) {
            Value model = load(c);
            long before = held(c.getBindings("dnn"), model);
            run(model, c, 4);
            run(model, c, 4);
            assertEquals(before, held(c.getBindings("dnn"), model));
        }
    }

    @Test
    void valuesASegmentSharesWithLaterCpuNodesAreReleased() {
        // relu and add run first as one segment; softmax reads relu's output afterwards on the CPU, and mul
        // (a second segment, as joining the first would make a cycle) reads both.
        byte[] model = new ModelBuilder("shared").opset(17)
                        .input("x", dev.dnnrun.tensor.DType.FLOAT, 2, 4)
                        .node("Relu", "x", "a").name("relu").done()
                        .node("Softmax", "a", "b").name("softmax").done()
                        .node("Add", "a,a", "c").name("add").done()
                        .node("Mul", "b,c", "y").name("mul").done()
                        .output("y", dev.dnnrun.tensor.DType.FLOAT, 2, 4)
                        .build();
        try (Context c = context("test", null)) {
            Value m = c.eval(Source.newBuilder("dnn", ByteSequence.create(model), "shared.onnx").buildLiteral());
            assertEquals(2, m.getMember("placement").getMember("segments").getArraySize());
            Value dnn = c.getBindings("dnn");
            Value x = dnn.getMember("tensor").execute("float32", new long[]{2, 4}, input(2));
            long before = held(dnn, m);
            for (int i = 0; i < 3; i++) {
                m.execute(x).getArrayElement(0).invokeMember("close");
            }
            assertEquals(before, held(dnn, m), "an intermediate leaked");
            assertEquals(6, TestAccelerator.RUNS.get());
        }
    }

    @Test
    void placementRoundTripsThroughJson() throws IOException {
        Path file = dir.resolve("placement.json");
        String json;
        try (Context c = context("test", null)) {
            json = load(c).getMember("placementJson").asString();
        }
        assertTrue(json.contains("\"backend\": \"test\"") && json.contains("\"nodes\": [\"add\", \"relu\", \"mul\"]"), json);
        Files.writeString(file, json);
        try (Context c = context("cpu", file.toString())) {
            Value model = load(c);
            assertEquals(json.replace("\"accel\": \"test\"", "\"accel\": \"placement " + file + "\""),
                            model.getMember("placementJson").asString());
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
            assertEquals(1, TestAccelerator.RUNS.get());
        }
    }

    @Test
    void autoMeasuresEachCandidateAndCachesTheTimes() throws IOException {
        Path cache = dir.resolve("costs.tsv");
        for (int round = 0; round < 2; round++) {
            try (Context c = Context.newBuilder("dnn").allowAllAccess(true).option("dnn.Accel", "auto")
                            .option("dnn.CostCache", cache.toString()).build()) {
                Value model = load(c);
                org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
                Value seg = model.getMember("placement").getMember("segments").getArrayElement(0);
                String chosenBy = seg.getMember("chosenBy").asString();
                assertTrue(chosenBy.contains("measured: cpu ") && chosenBy.contains("test "), chosenBy);
            }
            String lines = Files.readString(cache);
            assertTrue(lines.contains("cpu\t") && lines.contains("test\t"), lines);
            if (round == 0) {
                TestAccelerator.reset();
            }
        }
        // The second round found both times in the cache: at most the chosen backend compiled, nothing was measured.
        assertTrue(TestAccelerator.COMPILES.get() <= 1, "re-measured despite the cache: " + TestAccelerator.COMPILES.get());
    }

    /** A context with the test backend, a fallback policy, profiling, and its log captured in {@code log}. */
    private static Context withFallback(String fallback, ByteArrayOutputStream log) {
        return Context.newBuilder("dnn").allowAllAccess(true).option("dnn.Accel", "test").option("dnn.Fallback", fallback)
                        .option("dnn.Profile", "true").logHandler(log).build();
    }

    @Test
    void fallbackWarnLogsOneLinePerSegment() {
        TestAccelerator.declineCompile = true;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Context c = withFallback("warn", log)) {
            Value model = load(c);
            for (int i = 0; i < 3; i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
            }
            assertTrue(segment(model).getMember("fellBack").asBoolean());
        }
        String text = log.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().filter(l -> l.contains("segment seg0")).count(), text);
        assertTrue(text.contains("segment seg0 (Add 'add', Relu 'relu', Mul 'mul') runs on the cpu instead of test: declined: told to decline"),
                        text);
    }

    @Test
    void fallbackQuietSaysNothingButRecordsWhyAndTimesTheCpuPath() {
        TestAccelerator.failCompile = true;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Context c = withFallback("quiet", log)) {
            Value model = load(c);
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
            Value seg = segment(model);
            assertTrue(seg.getMember("fellBack").asBoolean());
            assertTrue(seg.getMember("fallbackReason").asString().startsWith("compile failed: java.lang.IllegalStateException: told to fail"),
                            seg.getMember("fallbackReason").asString());
            assertEquals(2, seg.getMember("cpuCalls").asLong(), "with dnn.Profile the cpu path of a segment is timed");
            assertTrue(seg.getMember("cpuNanos").asLong() > 0);
            assertEquals(0, seg.getMember("calls").asLong());
            assertEquals("quiet", model.getMember("placement").getMember("fallback").asString());
            String json = model.getMember("placementJson").asString();
            assertTrue(json.contains("\"nodes\": [\"add\", \"relu\", \"mul\"], \"fallback\": \"compile failed: java.lang.IllegalStateException"),
                            json);
        }
        assertEquals("", log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void fallbackErrorFailsTheCallWithTheReasonAndTheModelStaysUsable() {
        TestAccelerator.declineCompile = true;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Context c = withFallback("error", log)) {
            Value dnn = c.getBindings("dnn");
            long empty = dnn.getMember("allocatedBytes").execute().asLong();
            Value model = load(c);
            long loaded = dnn.getMember("allocatedBytes").execute().asLong();
            Value x = dnn.getMember("tensor").execute("float32", new long[]{2, 4}, input(2));
            for (int i = 0; i < 2; i++) {
                PolyglotException e = assertThrows(PolyglotException.class, () -> model.execute(x));
                assertTrue(e.isGuestException(), e.toString());
                assertEquals("segment seg0 (Add 'add', Relu 'relu', Mul 'mul') cannot run on test: declined: told to decline "
                                + "(fallback policy 'error'; 'warn' or 'quiet' would run it on the cpu)", e.getMessage());
            }
            x.invokeMember("close");
            assertEquals(loaded, held(dnn, model), "a failed call leaked");
            Value seg = segment(model);
            assertTrue(seg.getMember("failed").asBoolean());
            assertTrue(!seg.getMember("fellBack").asBoolean());
            assertEquals("declined: told to decline", seg.getMember("fallbackReason").asString());
            assertTrue(model.getMember("placementJson").asString().contains("\"failed\": \"declined: told to decline\""));

            // The model stays usable: once the backend accepts the segment, the next call runs on it.
            TestAccelerator.declineCompile = false;
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
            assertEquals(1, TestAccelerator.RUNS.get());
            assertTrue(segment(model).getMember("state").asString().startsWith("compiled"), segment(model).getMember("state").asString());

            // A run-time failure fails the call too, and the backend gets the next one.
            TestAccelerator.failRun = true;
            Value x2 = dnn.getMember("tensor").execute("float32", new long[]{2, 4}, input(2));
            PolyglotException e = assertThrows(PolyglotException.class, () -> model.execute(x2));
            x2.invokeMember("close");
            assertTrue(e.getMessage().contains("cannot run on test: failed at run time: java.lang.IllegalStateException: told to fail at run time"),
                            e.getMessage());
            assertEquals(loaded, held(dnn, model), "a failed foreign call leaked");
            TestAccelerator.failRun = false;
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
            assertEquals(2, TestAccelerator.RUNS.get());

            model.invokeMember("close");
            assertEquals(empty, dnn.getMember("allocatedBytes").execute().asLong(), "closing the model left memory behind");
        }
        assertEquals("", log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anUnavailableBackendIsALoadErrorOnlyUnderFallbackError() throws IOException {
        Path placement = dir.resolve("placement.json");
        try (Context c = context("test", null)) {
            Files.writeString(placement, load(c).getMember("placementJson").asString());
        }
        TestAccelerator.unavailable = "no test device";
        try (Context c = Context.newBuilder("dnn").allowAllAccess(true).option("dnn.Placement", placement.toString())
                        .option("dnn.Fallback", "error").build()) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> load(c));
            assertEquals("placement " + placement + ": backend 'test' is unavailable: no test device (fallback policy 'error'; 'warn' or "
                            + "'quiet' would run its segments on the cpu)", e.getMessage());
        }
        try (Context c = withFallback("error", new ByteArrayOutputStream())) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> load(c));
            assertEquals("accelerator 'test' is unavailable: no test device (fallback policy 'error'; 'warn' or 'quiet' would run its work "
                            + "on the others)", e.getMessage());
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Context c = withFallback("warn", log)) {
            Value model = load(c);
            assertEquals(0, model.getMember("placement").getMember("segments").getArraySize());
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpuReference(2), run(model, c, 2), 1e-6f);
        }
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("accelerator 'test' is unavailable: no test device"), log.toString());
    }

    @Test
    void anUnknownFallbackPolicyNamesTheChoices() {
        try (Context c = withFallback("loud", new ByteArrayOutputStream())) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> load(c));
            assertEquals("option dnn.Fallback: expected warn, quiet or error, got 'loud'", e.getMessage());
        }
    }

    @Test
    void unknownAcceleratorIsALoadError() {
        try (Context c = context("warp-drive", null)) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> load(c));
            assertTrue(e.getMessage().contains("unknown accelerator 'warp-drive'") && e.getMessage().contains("test"), e.getMessage());
        }
    }
}
