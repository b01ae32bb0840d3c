package dev.dnnrun.language.accel;

import java.util.List;
import java.util.Map;

import dev.dnnrun.accel.Accelerator;

/**
 * The backends a model's segments may use: every backend by name, and, with {@code --accel auto}, the candidates
 * each segment is measured on (null otherwise) and the per-machine cost cache.
 */
public record BackendChoice(Map<String, Accelerator> byName, List<Accelerator> autoCandidates, CostCache costs) {
}
