package dev.dnnrun.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.util.Arrays;
import java.util.Optional;

/**
 * Locates the benchmark models: a name is one of {@link MobileModels} (written on demand to {@code
 * benchmarks/target/models}) or an ONNX light model in the shared test data ({@code light_NAME.onnx}).
 */
final class ModelFiles {
    private ModelFiles() {
    }

    /** The file of a generated model or, for any other name, of a light model. */
    static Path resolve(String name) {
        Optional<MobileModels.Spec> spec = MobileModels.find(name);
        return spec.isPresent() ? generated(spec.get()) : light(name);
    }

    /**
     * Writes the model when the file is missing or differs from what the generator gives now (a stale file after
     * the generator changed would measure another model); generation is deterministic, so it is written once.
     */
    static Path generated(MobileModels.Spec spec) {
        byte[] onnx = spec.build().onnx();
        Path file = generatedDir().resolve(spec.name() + ".onnx");
        try {
            if (!Files.isRegularFile(file) || !Arrays.equals(Files.readAllBytes(file), onnx)) {
                Files.createDirectories(file.getParent());
                Path tmp = Files.createTempFile(file.getParent(), spec.name(), ".tmp");
                Files.write(tmp, onnx);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write generated model " + file, e);
        }
        return file;
    }

    /** {@code -Dbench.models.dir}, else {@code models} beside this module's classes, i.e. {@code benchmarks/target/models}. */
    private static Path generatedDir() {
        String configured = System.getProperty("bench.models.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        CodeSource code = ModelFiles.class.getProtectionDomain().getCodeSource();
        if (code != null) {
            try {
                return Path.of(code.getLocation().toURI()).toAbsolutePath().getParent().resolve("models");
            } catch (URISyntaxException | IllegalArgumentException e) {
                // not a file location (e.g. a nested jar): fall back to the working directory
            }
        }
        return Path.of("target/models").toAbsolutePath();
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
            throw new IllegalStateException("model '" + name + "' is not one of the generated models " + MobileModels.names()
                            + ", and the ONNX light models (backend test data) were not found; pass -Donnx.backend.tests=DIR");
        }
        Path model = root.resolve("light/light_" + name + ".onnx");
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException("model file not found: " + model + " (light models are " + root.resolve("light")
                            + "/light_NAME.onnx; generated models are " + MobileModels.names() + ")");
        }
        return model;
    }

    /** Every benchmark's input data: arange(n)/n, the light models' reference input. */
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
