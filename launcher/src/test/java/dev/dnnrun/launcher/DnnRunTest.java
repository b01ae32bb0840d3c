package dev.dnnrun.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;

/** Runs the dnnrun command in-process and checks its exit status and what it prints. */
class DnnRunTest {
    @TempDir Path dir;

    /** Exit status, stdout and stderr of one command. */
    record Result(int status, String out, String err) {
    }

    static Result dnnrun(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = DnnRun.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** No operators: the graph's outputs are its inputs x (float32 [N, 3]) and k (int64 [4]). */
    private Path passThrough() throws IOException {
        byte[] model = new ModelBuilder("pass").opset(17)
                        .input("x", DType.FLOAT, "N", 3)
                        .input("k", DType.INT64, 4)
                        .output("x", DType.FLOAT, "N", 3)
                        .output("k", DType.INT64, 4)
                        .build();
        return Files.write(dir.resolve("pass.onnx"), model);
    }

    @Test
    void helpExitsZeroWithUsage() {
        Result r = dnnrun("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("Usage: dnnrun [options] model.onnx"), r.out());
        assertTrue(r.out().contains("--output-dir"), r.out());
    }

    @Test
    void versionNamesLauncherAndLanguage() {
        Result r = dnnrun("--version");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("dnnrun "), r.out());
        assertTrue(r.out().contains("language dnn "), r.out());
    }

    @Test
    void usageErrorsExitTwo() {
        Result unknown = dnnrun("--bogus", "m.onnx");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().startsWith("dnnrun: unknown option --bogus\n"), unknown.err());
        assertEquals("", unknown.out());

        Result noModel = dnnrun("--iterations", "3");
        assertEquals(2, noModel.status());
        assertTrue(noModel.err().contains("no model given"), noModel.err());

        Result badDim = dnnrun("--dim", "N=four", "m.onnx");
        assertEquals(2, badDim.status());
        assertTrue(badDim.err().contains("--dim expects a whole number >= 0, got 'four'"), badDim.err());

        Result noValue = dnnrun("m.onnx", "--input");
        assertEquals(2, noValue.status());
        assertTrue(noValue.err().contains("option --input needs a value"), noValue.err());
    }

    @Test
    void missingModelFileExitsOneNamingIt() {
        String missing = dir.resolve("no-such-model.onnx").toString();
        Result r = dnnrun(missing);
        assertEquals(1, r.status());
        assertEquals("dnnrun: " + missing + ": no such file\n", r.err());
    }

    @Test
    void notAModelExitsOneOnOneLine() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.onnx"), "this is not protobuf");
        Result r = dnnrun(junk.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("dnnrun: " + junk + ": not a valid ONNX model"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void unsupportedOperatorNamesNodeAndOp() throws IOException {
        byte[] model = new ModelBuilder("bad").opset(17)
                        .input("x", DType.FLOAT, 2)
                        .node("Foo", "x", "y").name("x1").done()
                        .output("y")
                        .build();
        Path file = Files.write(dir.resolve("bad.onnx"), model);
        Result r = dnnrun(file.toString());
        assertEquals(1, r.status());
        assertEquals("dnnrun: " + file + ": node 'x1' (Foo): unsupported operator Foo\n", r.err());
    }

    @Test
    void generatedInputsGiveKnownChecksums() throws IOException {
        Result r = dnnrun("--dim", "N=4", passThrough().toString());
        assertEquals(0, r.status(), r.err());
        // x = arange(12)/12 as float32, k = i % 10
        assertTrue(r.out().contains("input   x float32[4, 3] generated"), r.out());
        assertTrue(r.out().contains("output  x float32[4, 3]\n  values 0.0, 0.083333336, 0.16666667, 0.25, 0.33333334, "
                        + "0.41666666, 0.5, 0.5833333, ... (12 elements)\n  sum 5.50000001  abs_sum 5.50000001\n"), r.out());
        assertTrue(r.out().contains("output  k int64[4]\n  values 0, 1, 2, 3\n  sum 6.00000000  abs_sum 6.00000000\n"), r.out());
        assertTrue(r.out().contains("first run "), r.out());
        assertFalse(r.out().contains("timing"), r.out());
    }

    @Test
    void outputsWrittenAsNpyReadBackAsInputs() throws IOException {
        Path model = passThrough();
        Path outDir = dir.resolve("out");
        Result first = dnnrun("--dim=N=2", "-o", outDir.toString(), model.toString());
        assertEquals(0, first.status(), first.err());
        assertTrue(Files.size(outDir.resolve("x.npy")) > 0);
        assertTrue(Files.size(outDir.resolve("k.npy")) > 0);

        Result again = dnnrun("--input", "x=" + outDir.resolve("x.npy"), "--input", "k=" + outDir.resolve("k.npy"), model.toString());
        assertEquals(0, again.status(), again.err());
        assertTrue(again.out().contains("input   x float32[2, 3] from "), again.out());
        assertTrue(again.out().contains("  sum 2.50000001  abs_sum 2.50000001\n"), again.out()); // arange(6)/6 as float32, summed in double
    }

    @Test
    void unknownInputNameExitsOne() throws IOException {
        Result r = dnnrun("--input", "nope=whatever.npy", passThrough().toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("has no input named 'nope' (its inputs: x, k)"), r.err());
    }

    @Test
    void timingPrintsMedianAndP90() throws IOException {
        Result r = dnnrun("--iterations", "5", "--warmup", "2", passThrough().toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().matches("(?s).*timing  5 runs after 2 warmup: median [0-9.]+ ms, p90 [0-9.]+ ms.*"), r.out());
    }

    /** With -n the profile counts only the timed runs: one call per node per run, whatever the warm-up was. */
    @Test
    void profileCountsTimedRunsOnly() throws IOException {
        byte[] model = new ModelBuilder("two-ops").opset(17)
                        .input("x", DType.FLOAT, 2, 3)
                        .node("Relu", "x", "r").done()
                        .node("Neg", "r", "y").done()
                        .output("y", DType.FLOAT, 2, 3)
                        .build();
        Path file = Files.write(dir.resolve("two-ops.onnx"), model);
        Result r = dnnrun("-n", "4", "--warmup", "3", "--profile", file.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("profile: kernel time per operator type, per timed run (first run and warm-up left out)"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  Relu +1 +1 +[0-9.]+ .*"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  Neg +1 +1 +[0-9.]+ .*"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  total +[0-9.]+\\n.*"), r.out());
    }

    @Test
    void outputFileNamesKeepOnlySafeCharacters() {
        assertEquals("conv1_relu_0.out-1", Session.fileName("conv1/relu:0.out-1"));
        assertEquals("_", Session.fileName(""));
    }

    @Test
    void listAccelShowsTheBackendsAndWhyOneIsUnavailable() {
        Result r = dnnrun("--list-accel");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("cpu ") && r.out().contains("onnxruntime ") && r.out().contains("cuda "), r.out());
    }

    @Test
    void explainPlacementOutAndGraphOut() throws IOException {
        byte[] model = new ModelBuilder("two").opset(17)
                        .input("x", DType.FLOAT, 2, 3)
                        .node("Relu", "x", "r").name("relu").done()
                        .node("Softmax", "r", "y").name("softmax").done()
                        .output("y", DType.FLOAT, 2, 3)
                        .build();
        Path file = Files.write(dir.resolve("two.onnx"), model);
        Path json = dir.resolve("p.json");
        Path dot = dir.resolve("g.dot");
        Result r = dnnrun("--accel", "onnxruntime", "--explain", "--placement-out", json.toString(), "--graph-out", dot.toString(),
                        file.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("seg0 on onnxruntime: 2 ops, compiled for onnxruntime"), r.out());
        assertTrue(Files.readString(json).contains("\"nodes\": [\"relu\", \"softmax\"]"), Files.readString(json));
        assertTrue(Files.readString(dot).startsWith("digraph dnnrun {") && Files.readString(dot).contains("legend_onnxruntime"));

        Result replay = dnnrun("--placement", json.toString(), "--explain", file.toString());
        assertEquals(0, replay.status(), replay.err());
        assertTrue(replay.out().contains("seg0 on onnxruntime"), replay.out());
    }

    @Test
    void unknownAcceleratorIsOneLine() throws IOException {
        Result r = dnnrun("--accel", "nosuch", passThrough().toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("unknown accelerator 'nosuch'") && r.err().lines().count() == 1, r.err());
    }

    /** Whether --list-accel says {@code backend} can run here. */
    private static boolean available(String backend) {
        Result r = dnnrun("--list-accel");
        return r.out().lines().anyMatch(l -> l.trim().startsWith(backend + " ") && l.trim().endsWith(" available"));
    }

    /** y = relu(x) + neg(relu(x)) on [2, 3]: oneDNN takes Relu and Add, Neg stays on the cpu. */
    private Path reluNegAdd() throws IOException {
        byte[] model = new ModelBuilder("rna").opset(17)
                        .input("x", DType.FLOAT, 2, 3)
                        .node("Relu", "x", "r").name("relu").done()
                        .node("Neg", "r", "n").name("neg").done()
                        .node("Add", "r,n", "y").name("add").done()
                        .output("y", DType.FLOAT, 2, 3)
                        .build();
        return Files.write(dir.resolve("rna.onnx"), model);
    }

    /** A placement that puts Neg, which oneDNN does not run, on oneDNN: it declines the segment when it compiles. */
    private Path negOnOneDnn() throws IOException {
        return Files.writeString(dir.resolve("neg-on-onednn.json"),
                        "{\"segments\": [{\"id\": \"seg0\", \"backend\": \"onednn\", \"nodes\": [\"neg\"]}]}");
    }

    @Test
    void fallbackErrorExitsOneNamingSegmentBackendAndReason() throws IOException {
        Assumptions.assumeTrue(available("onednn"), "needs oneDNN");
        Path model = reluNegAdd();
        Result r = dnnrun("--fallback", "error", "--placement", negOnOneDnn().toString(), model.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().startsWith("dnnrun: " + model + ": segment seg0 (Neg 'neg') cannot run on onednn: declined: "), r.err());
        assertTrue(r.err().endsWith(" (fallback policy 'error'; 'warn' or 'quiet' would run it on the cpu)\n"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(r.out().contains("output  y"), r.out());
    }

    @Test
    void fallbackWarnAndQuietRunTheSegmentOnTheCpu() throws IOException {
        Assumptions.assumeTrue(available("onednn"), "needs oneDNN");
        Path model = reluNegAdd();
        Path placement = negOnOneDnn();
        Result cpu = dnnrun(model.toString());
        String sums = cpu.out().substring(cpu.out().indexOf("  sum "), cpu.out().indexOf("first run"));

        Result warn = dnnrun("--fallback", "warn", "--explain", "--placement", placement.toString(), model.toString());
        assertEquals(0, warn.status(), warn.err());
        assertTrue(warn.out().contains(sums), warn.out());
        assertEquals(1, warn.err().lines().count(), warn.err());
        assertTrue(warn.err().contains("segment seg0 (Neg 'neg') runs on the cpu instead of onednn: declined: "), warn.err());
        assertTrue(warn.out().contains("placement (accel placement " + placement + ", fallback warn): 1 segments (1 fell back to the cpu)"),
                        warn.out());
        assertTrue(warn.out().contains("    fell back to the cpu: declined: "), warn.out());

        Path json = dir.resolve("after.json");
        Result quiet = dnnrun("--fallback", "quiet", "--placement", placement.toString(), "--placement-out", json.toString(), model.toString());
        assertEquals(0, quiet.status(), quiet.err());
        assertEquals("", quiet.err());
        assertTrue(quiet.out().contains(sums), quiet.out());
        assertTrue(Files.readString(json).contains("\"nodes\": [\"neg\"], \"fallback\": \"declined: "), Files.readString(json));
    }

    @Test
    void fallbackTakesOnlyItsThreePolicies() {
        Result r = dnnrun("--fallback", "loud", "m.onnx");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("dnnrun: --fallback expects warn, quiet or error, got 'loud'\n"), r.err());
    }

    @Test
    void anUnavailableRequestedBackendFailsOnlyUnderFallbackError() throws IOException {
        Assumptions.assumeFalse(available("cuda"), "needs a machine where CUDA cannot run");
        Path model = passThrough();
        Result error = dnnrun("--accel", "cuda", "--fallback", "error", model.toString());
        assertEquals(1, error.status());
        assertTrue(error.err().startsWith("dnnrun: " + model + ": accelerator 'cuda' is unavailable: "), error.err());
        assertEquals(1, error.err().lines().count(), error.err());

        Result warn = dnnrun("--accel", "cuda", model.toString());
        assertEquals(0, warn.status(), warn.err());
        assertTrue(warn.err().contains("accelerator 'cuda' is unavailable: "), warn.err());
        assertEquals("", dnnrun("--accel", "cuda", "--fallback", "quiet", model.toString()).err());
    }

    /** --profile reports each segment's own time with the backend it ran on, beside the kernel time per operator type. */
    @Test
    void profileReportsTimePerSegmentWithItsBackend() throws IOException {
        Assumptions.assumeTrue(available("onednn"), "needs oneDNN");
        Path model = reluNegAdd();
        Result r = dnnrun("--accel", "onednn", "--profile", "-n", "3", model.toString());
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        assertTrue(out.contains("profile: kernel time per operator type, per timed run (first run and warm-up left out)"), out);
        assertTrue(out.matches("(?s).*\\n  Neg +1 +1 +[0-9.]+ .*"), out);
        assertFalse(out.matches("(?s).*\\n  Relu +.*"), "Relu ran on oneDNN, not on dnnrun's kernels:\n" + out);
        assertTrue(out.contains("profile: time per accelerator segment, per timed run (first run and warm-up left out)\n"
                        + "  segment    backend         calls           ms    ms/call  state\n"), out);
        assertTrue(out.matches("(?s).*\\n  seg0 +onednn +1 +[0-9.]+ +[0-9.]+  compiled for onednn\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n  seg1 +onednn +1 +[0-9.]+ +[0-9.]+  compiled for onednn\\n  total +[0-9.]+\\n.*"), out);

        // A segment that fell back is timed on the cpu.
        Result fellBack = dnnrun("--fallback", "quiet", "--placement", negOnOneDnn().toString(), "--profile", model.toString());
        assertEquals(0, fellBack.status(), fellBack.err());
        assertTrue(fellBack.out().contains("profile: time per accelerator segment, all runs\n"), fellBack.out());
        assertTrue(fellBack.out().matches("(?s).*\\n  seg0 +cpu +1 +[0-9.]+ +[0-9.]+  running on cpu \\(fell back\\)\\n.*"), fellBack.out());
    }
}
