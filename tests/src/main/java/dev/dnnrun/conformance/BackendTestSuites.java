package dev.dnnrun.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds the ONNX backend tests: {@code -Donnx.backend.tests=DIR}, else {@code shared/onnx-backend-tests} beside
 * (or above) the working directory, as on the project's machines.
 */
public final class BackendTestSuites {
    public static final List<String> FOLDER_SUITES = List.of("node", "simple", "pytorch-converted", "pytorch-operator");

    private BackendTestSuites() {
    }

    /** The data root, or null when it cannot be found. */
    public static Path locate() {
        String configured = System.getProperty("onnx.backend.tests");
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            return Files.isDirectory(p) ? p : null;
        }
        Path dir = Path.of("").toAbsolutePath();
        for (int up = 0; up < 4 && dir != null; up++, dir = dir.getParent()) {
            Path candidate = dir.resolve("../shared/onnx-backend-tests").normalize();
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** All test cases under {@code root} whose id contains {@code filter} (null: all). */
    public static List<BackendTestCase> discover(Path root, String filter) throws IOException {
        List<BackendTestCase> cases = new ArrayList<>();
        for (String suite : FOLDER_SUITES) {
            Path dir = root.resolve(suite);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> tests = Files.list(dir)) {
                for (Path test : tests.sorted().toList()) {
                    Path dataSet = test.resolve("test_data_set_0");
                    if (!Files.isRegularFile(test.resolve("model.onnx")) || !Files.isDirectory(dataSet)) {
                        continue;
                    }
                    cases.add(new BackendTestCase(suite + "/" + test.getFileName(), test.resolve("model.onnx"),
                                    numbered(dataSet, "input_"), numbered(dataSet, "output_"), false));
                }
            }
        }
        Path light = root.resolve("light");
        if (Files.isDirectory(light)) {
            try (Stream<Path> models = Files.list(light)) {
                for (Path model : models.filter(p -> p.toString().endsWith(".onnx")).sorted().toList()) {
                    String name = model.getFileName().toString().replace(".onnx", "");
                    Path expected = light.resolve(name + "_output_0.pb");
                    if (Files.isRegularFile(expected)) {
                        cases.add(new BackendTestCase("light/" + name, model, List.of(), List.of(expected), true));
                    }
                }
            }
        }
        if (filter != null && !filter.isBlank()) {
            cases.removeIf(c -> !c.id().contains(filter));
        }
        return cases;
    }

    private static List<Path> numbered(Path dir, String prefix) {
        List<Path> files = new ArrayList<>();
        for (int i = 0; Files.isRegularFile(dir.resolve(prefix + i + ".pb")); i++) {
            files.add(dir.resolve(prefix + i + ".pb"));
        }
        return files;
    }
}
