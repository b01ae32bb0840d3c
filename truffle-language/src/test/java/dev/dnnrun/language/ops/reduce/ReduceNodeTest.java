package dev.dnnrun.language.ops.reduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.dnnrun.language.ops.tensor.OnnxNodeTests;

/** The ONNX backend node tests of the reduce operators. Skipped (loudly) when the test data is absent. */
class ReduceNodeTest {
    @Test
    void reductions() throws Exception {
        boolean present = Files.isDirectory(OnnxNodeTests.root());
        if (!present) {
            System.out.println("[node tests] SKIPPED: no ONNX backend tests at " + OnnxNodeTests.root());
        }
        assumeTrue(present);
        List<String> failures = OnnxNodeTests.runAll(List.of(), "test_reduce_", "test_argmax", "test_argmin");
        assertEquals(List.of(), failures);
    }
}
