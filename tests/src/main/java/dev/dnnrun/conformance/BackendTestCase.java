package dev.dnnrun.conformance;

import java.nio.file.Path;
import java.util.List;

/**
 * One ONNX backend test: a model, its input files (empty for light models, whose input is generated) and the
 * expected output files. {@code id} is "suite/name", the key used in the pass list.
 */
public record BackendTestCase(String id, Path model, List<Path> inputs, List<Path> expectedOutputs, boolean generatedInput) {
}
