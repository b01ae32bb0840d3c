package dev.dnnrun.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.example.dnnrun.ExampleAccelerator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.dnnrun.language.runtime.TensorFiles;
import dev.dnnrun.tensor.Tensor;

/**
 * Backends are found on the class path and nowhere else: dnnrun is spawned the way bin/dnnrun starts it (the flags of
 * target/jvm-flags.txt, the class path target/classes plus target/classpath.txt) with one jar more or one jar less, and
 * nothing else changed. The example backend's jar (a test dependency, never bundled) is found through its class.
 */
class BackendDiscoveryTest {
    private static final String SERVICES = "META-INF/services/dev.dnnrun.accel.Accelerator";
    private static final Path TARGET = Path.of("target").toAbsolutePath();

    @TempDir Path dir;

    /** Exit status and output of one spawned dnnrun. */
    record Run(int status, String out, String err) {
        /** The name of every backend --list-accel printed. */
        List<String> listed() {
            return out.lines().map(String::trim).filter(l -> !l.isEmpty()).map(l -> l.split("\\s+")[0]).toList();
        }
    }

    @BeforeAll
    static void needsTheBuild() {
        for (String f : List.of("classes/dev/dnnrun/launcher/DnnRun.class", "classpath.txt", "jvm-flags.txt")) {
            Assumptions.assumeTrue(Files.exists(TARGET.resolve(f)), () -> TARGET.resolve(f) + " is missing: build the launcher first");
        }
    }

    @Test
    void exampleJarOnTheClassPathIsListedAndRunsAModel() throws Exception {
        List<String> classPath = new ArrayList<>(bundledClassPath());
        assertFalse(classPath.stream().anyMatch(e -> registers(e, ExampleAccelerator.class.getName())), "the launcher does not bundle it");
        classPath.add(exampleJar());

        Run list = dnnrun(classPath, "--list-accel");
        assertEquals(0, list.status(), list.err());
        assertTrue(list.out().lines().anyMatch(l -> l.matches("\\s*example\\s+available")), list.out());

        Path test = nodeTest("test_relu");
        Path outDir = dir.resolve("out");
        Run run = dnnrun(classPath, "--accel", "example", "--explain", "-i", "x=" + test.resolve("test_data_set_0/input_0.pb"), "-o",
                        outDir.toString(), test.resolve("model.onnx").toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("seg0 on example: 1 ops, compiled for example"), run.out());
        assertTrue(run.out().contains("0 operators on the cpu"), run.out());
        try (BufferAllocator allocator = new RootAllocator();
                        Tensor expected = TensorFiles.read(test.resolve("test_data_set_0/output_0.pb"), allocator);
                        Tensor actual = TensorFiles.read(outDir.resolve("y.npy"), allocator)) {
            assertTrue(Arrays.equals(expected.shape(), actual.shape()), actual.shapeString());
            assertTrue(Arrays.equals(expected.toFloatArray(), actual.toFloatArray()), "Relu is exact");
        }
    }

    @Test
    void builtInBackendLeftOffTheClassPathIsNotListed() throws Exception {
        List<String> classPath = new ArrayList<>(bundledClassPath());
        String openblas = "dev.dnnrun.accel.backends.openblas.OpenBlasAccelerator";
        List<String> without = classPath.stream().filter(e -> !registers(e, openblas)).toList();
        assertEquals(classPath.size() - 1, without.size(), "exactly one entry registers OpenBLAS: " + classPath);

        Run all = dnnrun(classPath, "--list-accel");
        assertEquals(0, all.status(), all.err());
        assertTrue(all.listed().containsAll(List.of("cpu", "openblas", "onednn", "onnxruntime")), all.out());
        Run less = dnnrun(without, "--list-accel");
        assertEquals(0, less.status(), less.err());
        List<String> others = all.listed().stream().filter(n -> !n.equals("openblas")).toList();
        assertEquals(others, less.listed(), "openblas is gone, the others are still listed");
    }

    /** bin/dnnrun appends DNNRUN_CLASSPATH to the class path. */
    @Test
    void scriptAppendsDnnrunClasspath() throws Exception {
        Path script = TARGET.resolve("../../bin/dnnrun").normalize();
        Assumptions.assumeTrue(Files.isExecutable(script) && Files.isExecutable(Path.of("/bin/bash")), "bin/dnnrun and bash");
        ProcessBuilder pb = new ProcessBuilder(script.toString(), "--list-accel");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("DNNRUN_CLASSPATH", exampleJar());
        Run r = run(pb);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.listed().containsAll(List.of("cpu", "openblas", "example")), r.out());
    }

    /** launcher/target/classes then the entries of classpath.txt, as bin/dnnrun builds it. */
    private static List<String> bundledClassPath() throws IOException {
        List<String> cp = new ArrayList<>();
        cp.add(TARGET.resolve("classes").toString());
        cp.addAll(Arrays.asList(Files.readString(TARGET.resolve("classpath.txt")).trim().split(Pattern.quote(File.pathSeparator))));
        return cp;
    }

    /** Where the test JVM loaded the example backend from: its jar, or its class folder in a build without packaging. */
    private static String exampleJar() throws URISyntaxException {
        return Path.of(ExampleAccelerator.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Whether a class path entry's services file names {@code provider}. */
    private static boolean registers(String entry, String provider) {
        try {
            Path p = Path.of(entry);
            String services;
            if (Files.isDirectory(p)) {
                Path f = p.resolve(SERVICES);
                services = Files.isRegularFile(f) ? Files.readString(f) : "";
            } else if (Files.isRegularFile(p)) {
                try (ZipFile jar = new ZipFile(p.toFile())) {
                    var e = jar.getEntry(SERVICES);
                    services = e == null ? "" : new String(jar.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
                }
            } else {
                return false;
            }
            return services.lines().map(String::trim).anyMatch(provider::equals);
        } catch (IOException e) {
            throw new IllegalStateException(entry, e);
        }
    }

    private static Path nodeTest(String name) {
        Path dir = Path.of("").toAbsolutePath();
        for (int up = 0; up < 4 && dir != null; up++, dir = dir.getParent()) {
            Path test = dir.resolve("../shared/onnx-backend-tests/node").resolve(name).normalize();
            if (Files.isRegularFile(test.resolve("model.onnx"))) {
                return test;
            }
        }
        System.err.println("*** ONNX backend test data not found (../shared/onnx-backend-tests/node/" + name + "): "
                        + "running a model on the example backend SKIPPED ***");
        Assumptions.abort("ONNX backend test data not found");
        return null;
    }

    /** dnnrun in a new JVM, started as bin/dnnrun starts it, with {@code classPath}. */
    private static Run dnnrun(List<String> classPath, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(Files.readString(TARGET.resolve("jvm-flags.txt")).trim().split("\\s+")));
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classPath));
        command.add(DnnRun.class.getName());
        command.addAll(List.of(args));
        return run(new ProcessBuilder(command));
    }

    private static Run run(ProcessBuilder pb) throws Exception {
        Spawned r = Spawned.run(pb);
        return new Run(r.status(), r.out(), r.err());
    }
}
