package dev.dnnrun.language.accel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.language.graph.Attribute;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.Tensor;

/** Builds the backend's view of a graph node from dnnrun's IR. */
public final class OpViews {
    private OpViews() {
    }

    /**
     * @param types the type of a value name (may return null when unknown)
     * @param constants the graph's constants
     */
    public static OpView of(GraphNode n, Function<String, TensorType> types, Map<String, Tensor> constants) {
        Map<String, Object> attrs = new LinkedHashMap<>();
        for (Attribute a : n.attributes().all()) {
            if (a.kind() != Attribute.Kind.GRAPH && a.kind() != Attribute.Kind.GRAPHS && a.kind() != Attribute.Kind.TYPE) {
                attrs.put(a.name(), a.value());
            } else {
                attrs.put(a.name(), a.kind());
            }
        }
        List<TensorType> in = new ArrayList<>();
        Map<String, Tensor> constantInputs = new LinkedHashMap<>();
        for (String v : n.inputs()) {
            in.add(v.isEmpty() ? null : types.apply(v));
            if (!v.isEmpty() && constants.containsKey(v)) {
                constantInputs.put(v, constants.get(v));
            }
        }
        List<TensorType> out = new ArrayList<>();
        for (String v : n.outputs()) {
            out.add(v.isEmpty() ? null : types.apply(v));
        }
        return new OpView(n.displayName(), n.opType(), n.domain(), n.opsetVersion(), attrs, n.inputs(), n.outputs(), in, out,
                        constantInputs);
    }
}
