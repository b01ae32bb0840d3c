package dev.dnnrun.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every test on the pass list must still pass with each accelerator: segments a backend claims must give the
 * CPU's results (same tolerances), and segments it declines must fall back. Also reports how many models ran at
 * least one segment on the backend, so a backend that silently declines everything is visible. An unavailable
 * backend is skipped loudly; {@code -Dconformance.filter=...} narrows the tests as for {@link ConformanceTest}.
 */
class AcceleratedConformanceTest {

    @ParameterizedTest
    @ValueSource(strings = {"onednn", "openblas", "onnxruntime", "auto"})
    void passListPassesWithAccelerator(String accel) throws IOException {
        Path root = BackendTestSuites.locate();
        Assumptions.assumeTrue(root != null, "ONNX backend test data not found");
        String unavailable = unavailableReason(accel);
        if (unavailable != null) {
            System.err.println("*** accelerator " + accel + " unavailable (" + unavailable + "): its conformance run is SKIPPED ***");
            Assumptions.abort(accel + " unavailable: " + unavailable);
        }
        Set<String> passList = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("conformance/pass-list.txt"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                passList.add(line.trim());
            }
        }
        List<BackendTestCase> cases = BackendTestSuites.discover(root, System.getProperty("conformance.filter"));
        cases.removeIf(c -> !passList.contains(c.id()));
        List<String> regressions = new ArrayList<>();
        int accelerated = 0;
        try (ConformanceRunner runner = new ConformanceRunner(accel)) {
            for (BackendTestCase c : cases) {
                ConformanceRunner.Result r = runner.run(c);
                if (r.status() != ConformanceRunner.Status.PASS) {
                    regressions.add(c.id() + " -> " + r.status() + ": " + r.detail());
                } else if (r.accelerated() > 0) {
                    accelerated++;
                }
            }
        }
        System.out.println("conformance with --accel " + accel + ": " + (cases.size() - regressions.size()) + " of " + cases.size()
                        + " pass-list tests pass; " + accelerated + " ran segments on the accelerator");
        assertTrue(regressions.isEmpty(), regressions.size() + " pass-list tests fail with --accel " + accel + ":\n  "
                        + String.join("\n  ", regressions));
    }

    private static String unavailableReason(String accel) {
        if (accel.equals("auto")) {
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
