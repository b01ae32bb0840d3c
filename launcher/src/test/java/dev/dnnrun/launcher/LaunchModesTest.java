package dev.dnnrun.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;

/**
 * bin/dnnrun's two ways of running a model, spawned through the script itself: by default the AST is interpreted
 * (no Graal compiler on the JVM), with --jit the optimizing runtime compiles it; --jit on a JVM without the
 * compiler is refused instead of silently interpreting.
 */
class LaunchModesTest {
    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final Path SCRIPT = TARGET.resolve("../../bin/dnnrun").normalize();

    @TempDir Path dir;

    @BeforeAll
    static void needsTheBuildAndBash() {
        for (String f : List.of("classes/dev/dnnrun/launcher/DnnRun.class", "classpath.txt", "jvm-flags.txt", "jit-flags.txt")) {
            Assumptions.assumeTrue(Files.exists(TARGET.resolve(f)), () -> TARGET.resolve(f) + " is missing: build the launcher first");
        }
        Assumptions.assumeTrue(Files.isExecutable(SCRIPT) && Files.isExecutable(Path.of("/bin/bash")), "bin/dnnrun and bash");
    }

    private Path reluModel() throws Exception {
        byte[] model = new ModelBuilder("relu").opset(17)
                        .input("x", DType.FLOAT, 2, 3)
                        .node("Relu", "x", "y").name("relu").done()
                        .output("y", DType.FLOAT, 2, 3)
                        .build();
        return Files.write(dir.resolve("relu.onnx"), model);
    }

    @Test
    void byDefaultTheAstIsInterpretedAndJitCompilesIt() throws Exception {
        String model = reluModel().toString();
        Spawned plain = script("-v", "-n", "3", model);
        assertEquals(0, plain.status(), plain.err());
        assertTrue(plain.err().contains("engine implementation: Interpreted"), plain.err());
        assertTrue(plain.out().contains("y float32[2, 3]"), plain.out());

        Spawned jit = script("--jit", "-v", "-n", "3", model);
        assertEquals(0, jit.status(), jit.err());
        assertFalse(jit.err().contains("engine implementation: Interpreted"), jit.err());
        assertTrue(jit.err().contains("engine implementation: "), jit.err());
        assertEquals(plain.out().lines().filter(l -> l.contains("sum")).toList(), jit.out().lines().filter(l -> l.contains("sum")).toList(),
                        "both modes compute the same outputs");
    }

    @Test
    void jitWithoutTheCompilerIsRefused() throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(Files.readString(TARGET.resolve("jvm-flags.txt")).trim().split("\\s+")));
        command.addAll(List.of("-cp", TARGET.resolve("classes") + ":" + Files.readString(TARGET.resolve("classpath.txt")).trim(),
                        DnnRun.class.getName(), "--jit", reluModel().toString()));
        Spawned r = Spawned.run(new ProcessBuilder(command));
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("--jit needs the Graal compiler"), r.err());
    }

    private static Spawned script(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return Spawned.run(pb);
    }
}
