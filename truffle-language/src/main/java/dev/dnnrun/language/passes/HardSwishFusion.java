package dev.dnnrun.language.passes;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.dnnrun.language.graph.Attributes;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;

/**
 * {@code x * Clip(x + 3, 0, 6) / 6}, the form in which exporters write hard-swish (MobileNetV3 and the detectors
 * built on it), becomes one HardSwish node: one pass over memory instead of four, and three intermediate buffers
 * fewer. The constants must be exactly 3, 0, 6 and 6 (float32 scalars); the intermediates must have no other reader.
 * Only when everything runs on the CPU (a backend may run the four ops and not HardSwish) and the node's opset has
 * HardSwish (14 and later).
 */
public final class HardSwishFusion {
    private HardSwishFusion() {
    }

    public static ModelGraph run(ModelGraph g, boolean cpuOnly) {
        if (!cpuOnly) {
            return g;
        }
        Map<String, GraphNode> producers = GraphUses.producers(g);
        Map<String, Integer> readers = GraphUses.readers(g);
        Map<GraphNode, GraphNode> replaced = new HashMap<>();
        Set<GraphNode> removed = new HashSet<>();
        for (GraphNode mul : g.nodes()) {
            if (!GraphUses.isOnnx(mul, "Mul", 2) || mul.opsetVersion() < 14) {
                continue;
            }
            for (int side = 0; side < 2; side++) {
                String x = mul.inputs().get(side);
                GraphNode div = GraphUses.singleReaderProducer(producers, readers, mul.inputs().get(1 - side));
                if (!GraphUses.isOnnx(div, "Div", 2) || !isScalar(g, div.inputs().get(1), 6f)) {
                    continue;
                }
                GraphNode clip = GraphUses.singleReaderProducer(producers, readers, div.inputs().get(0));
                if (!GraphUses.isOnnx(clip, "Clip", -1) || !clipsTo0And6(g, clip)) {
                    continue;
                }
                GraphNode add = GraphUses.singleReaderProducer(producers, readers, clip.inputs().get(0));
                if (!GraphUses.isOnnx(add, "Add", 2) || !add.inputs().contains(x)) {
                    continue;
                }
                String three = add.inputs().get(add.inputs().get(0).equals(x) ? 1 : 0);
                if (!isScalar(g, three, 3f) || removed.contains(add) || removed.contains(clip) || removed.contains(div)) {
                    continue;
                }
                replaced.put(mul, new GraphNode(mul.name(), "HardSwish", "", List.of(x), mul.outputs(), Attributes.empty(),
                                mul.opsetVersion()));
                removed.add(add);
                removed.add(clip);
                removed.add(div);
                break;
            }
        }
        if (replaced.isEmpty()) {
            return g;
        }
        // The constants 3 and 6 may now be unread; dead-node elimination releases them.
        return g.withNodes(GraphUses.rewritten(g, replaced, removed));
    }

    /** Whether {@code value} is a float32 scalar constant equal to {@code expected}. */
    private static boolean isScalar(ModelGraph g, String value, float expected) {
        Float v = GraphUses.floatScalar(g, value);
        return v != null && v == expected;
    }

    /** Clip to [0, 6]: attributes before opset 11, constant inputs after. */
    private static boolean clipsTo0And6(ModelGraph g, GraphNode clip) {
        if (clip.opsetVersion() < 11) {
            return clip.attributes().getFloat("min", Float.NaN) == 0f && clip.attributes().getFloat("max", Float.NaN) == 6f;
        }
        return clip.inputs().size() == 3 && isScalar(g, clip.inputs().get(1), 0f) && isScalar(g, clip.inputs().get(2), 6f);
    }
}
