package dev.dnnrun.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The conformance ratchet: runs the ONNX backend tests (node, simple, pytorch-converted, pytorch-operator,
 * light), writes {@code target/conformance-report.tsv}, and fails if any test on the committed pass list
 * ({@code conformance/pass-list.txt}) no longer passes.
 * <ul>
 * <li>{@code -Dconformance.filter=test_conv} runs only matching tests and prints each non-passing one;</li>
 * <li>{@code -Dconformance.update=true} rewrites the pass list from this run (all tests, no filter);</li>
 * <li>{@code -Donnx.backend.tests=DIR} points at another copy of the data.</li>
 * </ul>
 * Without the data the test is skipped, and says so loudly.
 */
class ConformanceTest {
    private static final Path PASS_LIST = Path.of("conformance/pass-list.txt");

    @Test
    void backendTestsKeepPassing() throws IOException {
        Path root = BackendTestSuites.locate();
        if (root == null) {
            System.err.println("*** ONNX backend test data not found (../shared/onnx-backend-tests or -Donnx.backend.tests): "
                            + "conformance SKIPPED ***");
            Assumptions.abort("ONNX backend test data not found");
        }
        String filter = System.getProperty("conformance.filter");
        boolean verbose = filter != null && !filter.isBlank();
        List<BackendTestCase> cases = BackendTestSuites.discover(root, filter);
        List<ConformanceRunner.Result> results = new ArrayList<>();
        Map<ConformanceRunner.Status, Integer> counts = new EnumMap<>(ConformanceRunner.Status.class);
        try (ConformanceRunner runner = new ConformanceRunner()) {
            for (BackendTestCase c : cases) {
                ConformanceRunner.Result r = runner.run(c);
                results.add(r);
                counts.merge(r.status(), 1, Integer::sum);
                if (verbose && r.status() != ConformanceRunner.Status.PASS) {
                    System.out.println(r.status() + " " + c.id() + ": " + r.detail());
                }
            }
        }
        writeReport(results);
        Set<String> passing = new TreeSet<>();
        for (ConformanceRunner.Result r : results) {
            if (r.status() == ConformanceRunner.Status.PASS) {
                passing.add(r.test().id());
            }
        }
        Set<String> expected = readPassList();
        List<String> regressions = new ArrayList<>();
        for (ConformanceRunner.Result r : results) {
            if (expected.contains(r.test().id()) && r.status() != ConformanceRunner.Status.PASS) {
                regressions.add(r.test().id() + " -> " + r.status() + ": " + r.detail());
            }
        }
        long suiteLight = passing.stream().filter(id -> id.startsWith("light/")).count();
        long suiteNode = passing.stream().filter(id -> id.startsWith("node/")).count();
        System.out.println("conformance: " + cases.size() + " tests: " + counts + "; node passing " + suiteNode + ", light passing "
                        + suiteLight + "; report target/conformance-report.tsv");
        long newlyPassing = passing.stream().filter(id -> !expected.contains(id)).count();
        if (newlyPassing > 0) {
            System.out.println("conformance: " + newlyPassing + " passing tests are not on the pass list yet "
                            + "(-Dconformance.update=true adds them)");
        }
        if (Boolean.getBoolean("conformance.update") && !verbose) {
            Files.write(PASS_LIST, passing);
            System.out.println("conformance: pass list rewritten with " + passing.size() + " tests");
        }
        assertTrue(regressions.isEmpty(), regressions.size() + " tests on the pass list no longer pass:\n  "
                        + String.join("\n  ", regressions));
    }

    private static Set<String> readPassList() throws IOException {
        Set<String> ids = new TreeSet<>();
        if (Files.isRegularFile(PASS_LIST)) {
            for (String line : Files.readAllLines(PASS_LIST)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    ids.add(line.trim());
                }
            }
        }
        return ids;
    }

    private static void writeReport(List<ConformanceRunner.Result> results) throws IOException {
        Path report = Path.of("target/conformance-report.tsv");
        Files.createDirectories(report.getParent());
        List<String> lines = new ArrayList<>();
        lines.add("test\tstatus\tmillis\tdetail");
        for (ConformanceRunner.Result r : results) {
            lines.add(r.test().id() + "\t" + r.status() + "\t" + r.millis() + "\t" + r.detail());
        }
        Files.write(report, lines);
    }
}
