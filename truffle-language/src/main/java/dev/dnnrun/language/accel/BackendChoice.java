package dev.dnnrun.language.accel;

import java.util.List;
import java.util.Map;

import com.oracle.truffle.api.TruffleLogger;

import dev.dnnrun.accel.Accelerator;

/**
 * The backends a model's segments may use and how: every backend by name; with {@code --accel auto}, the
 * candidates each segment is measured on (null otherwise) and the per-machine cost cache; what a segment does
 * when its backend cannot run it; and the logger fallbacks and measurements are reported to.
 */
public record BackendChoice(Map<String, Accelerator> byName, List<Accelerator> autoCandidates, CostCache costs, FallbackPolicy fallback,
                TruffleLogger log) {
}
