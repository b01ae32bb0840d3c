package dev.dnnrun.language.ops.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The ONNX backend node tests of the tensor operators. Skipped (loudly) when the test data is absent. */
class TensorNodeTest {
    /** Tests that exercise something deliberately not implemented, with the reason. */
    static final List<String> SKIP = List.of(
                    // optional and sequence values, not tensors
                    "test_identity_opt", "test_identity_sequence", "test_split_to_sequence_1", "test_split_to_sequence_2",
                    "test_split_to_sequence_nokeepdims");

    static void check(String... prefixes) throws Exception {
        boolean present = Files.isDirectory(OnnxNodeTests.root());
        if (!present) {
            System.out.println("[node tests] SKIPPED: no ONNX backend tests at " + OnnxNodeTests.root());
        }
        assumeTrue(present);
        String only = System.getProperty("node.tests");
        List<String> failures = OnnxNodeTests.runAll(SKIP, only != null ? only.split(",") : prefixes);
        assertEquals(List.of(), failures);
    }

    @Test
    void views() throws Exception {
        check("test_reshape", "test_flatten", "test_squeeze", "test_unsqueeze", "test_identity", "test_shape",
                        "test_size");
    }

    @Test
    void constants() throws Exception {
        check("test_constant");
    }

    @Test
    void conversions() throws Exception {
        check("test_cast_", "test_castlike_", "test_range", "test_pad", "test_constant_pad", "test_edge_pad",
                        "test_reflect_pad", "test_wrap_pad");
    }

    @Test
    void resize() throws Exception {
        check("test_resize_");
    }

    @Test
    void others() throws Exception {
        check("test_tril", "test_triu", "test_cumsum", "test_onehot", "test_depthtospace", "test_spacetodepth");
    }

    @Test
    void copies() throws Exception {
        check("test_concat", "test_split", "test_slice", "test_transpose", "test_expand", "test_tile", "test_gather_",
                        "test_gather_elements", "test_scatter_elements");
    }
}
