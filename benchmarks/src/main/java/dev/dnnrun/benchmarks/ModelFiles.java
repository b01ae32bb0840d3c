package dev.dnnrun.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the benchmark models: the ONNX light models in the shared test data. */
final class ModelFiles {
    private ModelFiles() {
    }

    static Path light(String name) {
        String configured = System.getProperty("onnx.backend.tests");
        Path root = configured != null ? Path.of(configured) : null;
        Path dir = Path.of("").toAbsolutePath();
        for (int up = 0; root == null && up < 4 && dir != null; up++, dir = dir.getParent()) {
            Path candidate = dir.resolve("../shared/onnx-backend-tests").normalize();
            if (Files.isDirectory(candidate)) {
                root = candidate;
            }
        }
        if (root == null) {
            throw new IllegalStateException("ONNX backend test data not found; pass -Donnx.backend.tests=DIR");
        }
        Path model = root.resolve("light/light_" + name + ".onnx");
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException("model file not found: " + model + " (light models are " + root.resolve("light") + "/light_NAME.onnx)");
        }
        return model;
    }

    /** The light models' reference input: arange(n)/n. */
    static float[] arangeInput(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) i / n;
        }
        return x;
    }

    /** Peak resident set size of this process in bytes (Linux VmHWM), or -1. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
