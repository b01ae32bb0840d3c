package dev.dnnrun.language.accel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.Accelerators;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.partition.Partition;
import dev.dnnrun.accel.partition.Partitioner;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.graph.ValueType;
import dev.dnnrun.language.nodes.DnnException;

/**
 * Decides where each node of a model runs: from a backend priority list through the {@link Partitioner}, or
 * replayed from a placement file. Placement is data: {@link #toJson} writes the file {@code --placement} reads.
 * A segment that fell back to the CPU when it ran carries the reason ({@code fallback}; {@code failed} when
 * fallback is an error); a replay ignores both and tries the backend again.
 * <pre>
 * {"model": "resnet50.onnx", "accel": "onednn,cpu",
 *  "segments": [{"id": "seg0", "backend": "onednn", "nodes": ["conv1", "relu1"]},
 *               {"id": "seg1", "backend": "onednn", "nodes": ["pool"], "fallback": "declined: ..."}],
 *  "cpu": [{"node": "softmax", "op": "Softmax", "reasons": {"onednn": "..."}}]}
 * </pre>
 */
public final class Placement {
    private Placement() {
    }

    /** The backend's view of every node, with the types known at load (-1 for unknown sizes). */
    public static List<OpView> views(ModelGraph graph) {
        List<OpView> views = new ArrayList<>();
        for (GraphNode n : graph.nodes()) {
            views.add(OpViews.of(n, v -> typeOf(graph, v), graph.constants()));
        }
        return views;
    }

    private static TensorType typeOf(ModelGraph graph, String value) {
        ValueType t = graph.typeOf(value);
        if (t == null || t.dtype() == null) {
            return null;
        }
        return new TensorType(t.dtype(), t.dims() == null ? null : t.dims().clone());
    }

    public static Partition partition(ModelGraph graph, List<Accelerator> backends) {
        return Partitioner.partition(views(graph), backends, graph.constants().keySet());
    }

    /**
     * Replays a placement file: each node named in a segment goes to that backend; the rest to the CPU. A backend
     * that is unavailable here adds a warning (its segments run on the CPU), or under fallback error fails.
     */
    public static Partition replay(ModelGraph graph, Path file, Accelerators accelerators, FallbackPolicy fallback, List<String> warnings) {
        Object parsed;
        try {
            parsed = Json.parse(Files.readString(file));
        } catch (IOException e) {
            throw new DnnException("placement " + file + ": cannot read: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new DnnException("placement " + file + ": malformed JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> root) || !(root.get("segments") instanceof List<?> segments)) {
            throw new DnnException("placement " + file + ": expected an object with a \"segments\" array");
        }
        Map<String, Integer> indexByName = new HashMap<>();
        for (int i = 0; i < graph.nodes().size(); i++) {
            indexByName.put(graph.nodes().get(i).displayName(), i);
        }
        String[] backendOf = new String[graph.nodes().size()];
        java.util.Arrays.fill(backendOf, Partitioner.CPU);
        Set<String> unavailable = new HashSet<>();
        for (Object s : segments) {
            if (!(s instanceof Map<?, ?> seg) || !(seg.get("backend") instanceof String backend) || !(seg.get("nodes") instanceof List<?> nodes)) {
                throw new DnnException("placement " + file + ": each segment needs \"backend\" and \"nodes\"");
            }
            Accelerator a = accelerators.all().get(backend);
            if (a == null && !backend.equals(Partitioner.CPU)) {
                throw new DnnException("placement " + file + ": unknown backend '" + backend + "'");
            }
            if (a != null && Accelerators.unavailableReason(a) != null) {
                if (fallback == FallbackPolicy.ERROR) {
                    throw new DnnException("placement " + file + ": backend '" + backend + "' is unavailable: " + Accelerators.unavailableReason(a)
                                    + " " + FallbackPolicy.errorNote("its segments on the cpu"));
                }
                if (unavailable.add(backend)) {
                    warnings.add("placement " + file + ": backend '" + backend + "' is unavailable (" + Accelerators.unavailableReason(a)
                                    + "); its segments run on the cpu");
                }
                continue;
            }
            for (Object node : nodes) {
                Integer i = indexByName.get(String.valueOf(node));
                if (i == null) {
                    throw new DnnException("placement " + file + ": the model has no node named '" + node + "'");
                }
                backendOf[i] = backend;
            }
        }
        // The recorded reasons for CPU nodes come along, so a replayed placement explains itself the same way.
        Map<Integer, Map<String, String>> reasons = new LinkedHashMap<>();
        if (root.get("cpu") instanceof List<?> cpu) {
            for (Object entry : cpu) {
                if (entry instanceof Map<?, ?> e && e.get("reasons") instanceof Map<?, ?> why
                                && indexByName.get(String.valueOf(e.get("node"))) instanceof Integer i && backendOf[i].equals(Partitioner.CPU)) {
                    Map<String, String> r = new LinkedHashMap<>();
                    why.forEach((k, v) -> r.put(String.valueOf(k), String.valueOf(v)));
                    reasons.put(i, r);
                }
            }
        }
        Partition assigned = Partitioner.fromAssignment(views(graph), backendOf);
        return new Partition(assigned.segments(), reasons);
    }

    /** The placement file for a partition of {@code graph}, with what happened to its segments so far ({@code records}). */
    public static String toJson(ModelGraph graph, String modelName, String accel, Partition partition, List<SegmentRecord> records) {
        Map<String, SegmentRecord> recordOf = new HashMap<>();
        for (SegmentRecord r : records) {
            recordOf.put(r.id(), r);
        }
        StringBuilder sb = new StringBuilder("{\n  \"model\": ").append(Json.quote(modelName)).append(",\n  \"accel\": ")
                        .append(Json.quote(accel)).append(",\n  \"segments\": [");
        List<Partition.PlannedSegment> segments = partition == null ? List.of() : partition.segments();
        for (int s = 0; s < segments.size(); s++) {
            Partition.PlannedSegment seg = segments.get(s);
            sb.append(s == 0 ? "\n" : ",\n").append("    {\"id\": ").append(Json.quote(seg.id())).append(", \"backend\": ")
                            .append(Json.quote(seg.backend())).append(", \"nodes\": [");
            for (int k = 0; k < seg.nodes().size(); k++) {
                sb.append(k == 0 ? "" : ", ").append(Json.quote(graph.nodes().get(seg.nodes().get(k)).displayName()));
            }
            sb.append(']');
            SegmentRecord r = recordOf.get(seg.id());
            if (r != null && r.fallbackReason() != null) {
                sb.append(", ").append(Json.quote(r.failed() ? "failed" : "fallback")).append(": ").append(Json.quote(r.fallbackReason()));
            }
            sb.append('}');
        }
        sb.append(segments.isEmpty() ? "],\n" : "\n  ],\n").append("  \"cpu\": [");
        Map<Integer, Map<String, String>> reasons = partition == null ? Map.of() : partition.cpuReasons();
        boolean first = true;
        for (int i = 0; i < graph.nodes().size(); i++) {
            if (partition != null && partition.segmentOf(i) != null) {
                continue;
            }
            GraphNode n = graph.nodes().get(i);
            sb.append(first ? "\n" : ",\n").append("    {\"node\": ").append(Json.quote(n.displayName())).append(", \"op\": ")
                            .append(Json.quote(n.qualifiedOp())).append(", \"reasons\": {");
            first = false;
            Map<String, String> why = reasons.getOrDefault(i, new LinkedHashMap<>());
            int k = 0;
            for (Map.Entry<String, String> e : why.entrySet()) {
                sb.append(k++ == 0 ? "" : ", ").append(Json.quote(e.getKey())).append(": ").append(Json.quote(e.getValue()));
            }
            sb.append("}}");
        }
        sb.append(first ? "]\n}\n" : "\n  ]\n}\n");
        return sb.toString();
    }

    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7"};

    /** The graph in Graphviz DOT, each node filled with its backend's colour (CPU nodes white), segments boxed. */
    public static String toDot(ModelGraph graph, String modelName, Partition partition) {
        StringBuilder sb = new StringBuilder("digraph dnnrun {\n  label=").append(Json.quote(modelName + " — placement"))
                        .append(";\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fillcolor=white];\n");
        Map<String, String> colourOf = new LinkedHashMap<>();
        List<Partition.PlannedSegment> segments = partition == null ? List.of() : partition.segments();
        for (Partition.PlannedSegment seg : segments) {
            colourOf.computeIfAbsent(seg.backend(), b -> COLOURS[colourOf.size() % COLOURS.length]);
            sb.append("  subgraph cluster_").append(seg.id()).append(" {\n    label=").append(Json.quote(seg.id() + " (" + seg.backend() + ")"))
                            .append(";\n    color=\"").append(colourOf.get(seg.backend())).append("\";\n");
            for (int i : seg.nodes()) {
                sb.append("    n").append(i).append(";\n");
            }
            sb.append("  }\n");
        }
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < graph.nodes().size(); i++) {
            GraphNode n = graph.nodes().get(i);
            Partition.PlannedSegment seg = partition == null ? null : partition.segmentOf(i);
            String fill = seg == null ? "white" : colourOf.get(seg.backend());
            sb.append("  n").append(i).append(" [label=").append(Json.quote(n.opType() + "\n" + n.displayName())).append(", fillcolor=\"")
                            .append(fill).append("\"];\n");
            for (String out : n.outputs()) {
                producer.put(out, i);
            }
        }
        for (int i = 0; i < graph.nodes().size(); i++) {
            for (String in : graph.nodes().get(i).inputs()) {
                Integer p = producer.get(in);
                if (p != null) {
                    sb.append("  n").append(p).append(" -> n").append(i).append(";\n");
                }
            }
        }
        sb.append("  subgraph cluster_legend {\n    label=\"backends\";\n    legend_cpu [label=\"cpu\", fillcolor=white];\n");
        for (Map.Entry<String, String> e : colourOf.entrySet()) {
            sb.append("    ").append(Json.quote("legend_" + e.getKey())).append(" [label=").append(Json.quote(e.getKey()))
                            .append(", fillcolor=\"").append(e.getValue()).append("\"];\n");
        }
        sb.append("  }\n}\n");
        return sb.toString();
    }
}
