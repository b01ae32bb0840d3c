package dev.dnnrun.language.builder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.frame.FrameDescriptor;
import com.oracle.truffle.api.frame.FrameSlotKind;

import dev.dnnrun.accel.partition.Partition;
import dev.dnnrun.language.accel.BackendChoice;
import dev.dnnrun.language.accel.SegmentNode;
import dev.dnnrun.language.accel.SegmentRecord;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.nodes.ExecNode;
import dev.dnnrun.language.nodes.ModelRootNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.ops.OperatorRegistry;
import dev.dnnrun.tensor.Tensor;

/**
 * Turns an optimised {@link ModelGraph} and its partition into a {@link ModelRootNode}. The steps of the AST are
 * units: a CPU operator, or a segment of operators placed on an accelerator. Units are put in an order where
 * every unit runs after the producers of its inputs (the partitioner guarantees one exists), every value gets a
 * frame slot, and each value is released by the last unit that reads it (liveness), so intermediates are freed as
 * soon as possible whichever path a segment takes.
 */
public final class ModelAstBuilder {
    private ModelAstBuilder() {
    }

    /** One step: node indices (one for a CPU operator) and, for a segment, its plan. */
    private record Unit(List<Integer> nodes, Partition.PlannedSegment segment) {
    }

    public static ModelAst build(TruffleLanguage<?> language, ModelGraph graph, OperatorRegistry registry, boolean profiled,
                    Partition partition, BackendChoice backends) {
        List<GraphNode> nodes = graph.nodes();
        List<Unit> units = orderUnits(nodes, partition);

        Map<String, Integer> slots = new LinkedHashMap<>();
        int[] inputSlots = new int[graph.inputs().size()];
        for (int i = 0; i < inputSlots.length; i++) {
            inputSlots[i] = slotOf(slots, graph.inputs().get(i));
        }
        List<Tensor> constants = new ArrayList<>(graph.constants().values());
        int[] constantSlots = new int[constants.size()];
        int k = 0;
        for (String c : graph.constants().keySet()) {
            constantSlots[k++] = slotOf(slots, c);
        }
        Set<String> produced = new HashSet<>();
        List<Integer> intermediates = new ArrayList<>();
        for (GraphNode n : nodes) {
            for (String out : n.outputs()) {
                if (!out.isEmpty()) {
                    produced.add(out);
                    intermediates.add(slotOf(slots, out));
                }
            }
        }
        Set<String> graphOutputs = new HashSet<>(graph.outputs());
        // Which unit reads each value last, and which node reads it last, in execution order.
        Map<String, Integer> lastUnit = new HashMap<>();
        Map<String, Integer> lastNode = new HashMap<>();
        int[] unitOfNode = new int[nodes.size()];
        for (int u = 0; u < units.size(); u++) {
            for (int n : units.get(u).nodes()) {
                unitOfNode[n] = u;
                for (String in : nodes.get(n).inputs()) {
                    lastUnit.put(in, u);
                    lastNode.put(in, n);
                }
            }
        }

        List<ExecNode> steps = new ArrayList<>();
        List<OpNode> operators = new ArrayList<>();
        List<SegmentNode> segmentNodes = new ArrayList<>();
        List<SegmentRecord> records = new ArrayList<>();
        for (int u = 0; u < units.size(); u++) {
            Unit unit = units.get(u);
            Set<Integer> members = new HashSet<>(unit.nodes());
            List<OpNode> ops = new ArrayList<>();
            for (int n : unit.nodes()) {
                GraphNode g = nodes.get(n);
                OpNode op = registry.create(g);
                int[] in = new int[g.inputs().size()];
                boolean[] constant = new boolean[in.length];
                for (int j = 0; j < in.length; j++) {
                    String name = g.inputs().get(j);
                    in[j] = name.isEmpty() ? -1 : slots.get(name);
                    constant[j] = graph.constants().containsKey(name);
                }
                int[] out = new int[g.outputs().size()];
                for (int j = 0; j < out.length; j++) {
                    String name = g.outputs().get(j);
                    boolean used = !name.isEmpty() && (lastUnit.containsKey(name) || graphOutputs.contains(name));
                    out[j] = used ? slots.get(name) : -1;
                }
                // Inside a unit, a node releases the values that no later unit reads and whose last reader it is.
                Set<Integer> release = new LinkedHashSet<>();
                for (String name : g.inputs()) {
                    if (produced.contains(name) && !graphOutputs.contains(name) && lastUnit.get(name) == u
                                    && lastNode.get(name) == n && (unit.segment() == null || members.contains(producerIndex(nodes, name)))) {
                        release.add(slots.get(name));
                    }
                }
                op.bindSlots(in, constant, out, release.stream().mapToInt(Integer::intValue).toArray(), profiled);
                ops.add(op);
                operators.add(op);
            }
            if (unit.segment() == null) {
                steps.add(ops.get(0));
                continue;
            }
            SegmentNode seg = buildSegment(unit, u, nodes, ops, slots, produced, graphOutputs, lastUnit, graph, backends, profiled);
            steps.add(seg);
            segmentNodes.add(seg);
            records.add(seg.recordForAst());
        }

        int[] outputSlots = new int[graph.outputs().size()];
        boolean[] shared = new boolean[outputSlots.length];
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < outputSlots.length; i++) {
            String o = graph.outputs().get(i);
            outputSlots[i] = slots.get(o);
            shared[i] = !produced.contains(o) || !seen.add(o);
        }
        FrameDescriptor.Builder fd = FrameDescriptor.newBuilder();
        fd.addSlots(slots.size(), FrameSlotKind.Object);
        ModelRootNode root = new ModelRootNode(language, fd.build(), graph.name(), steps.toArray(new ExecNode[0]), inputSlots,
                        constantSlots, constants.toArray(new Tensor[0]), intermediates.stream().mapToInt(Integer::intValue).toArray(),
                        outputSlots, shared);
        return new ModelAst(root, operators, segmentNodes, records);
    }

    private static int producerIndex(List<GraphNode> nodes, String value) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).outputs().contains(value)) {
                return i;
            }
        }
        return -1;
    }

    private static SegmentNode buildSegment(Unit unit, int u, List<GraphNode> nodes, List<OpNode> ops, Map<String, Integer> slots,
                    Set<String> produced, Set<String> graphOutputs, Map<String, Integer> lastUnit, ModelGraph graph,
                    BackendChoice backends, boolean profiled) {
        Set<Integer> members = new HashSet<>(unit.nodes());
        Set<String> inside = new HashSet<>();
        for (int n : unit.nodes()) {
            inside.addAll(nodes.get(n).outputs());
        }
        List<String> inputs = new ArrayList<>();
        Map<String, Tensor> constants = new LinkedHashMap<>();
        for (int n : unit.nodes()) {
            for (String in : nodes.get(n).inputs()) {
                if (in.isEmpty() || inside.contains(in)) {
                    continue;
                }
                if (graph.isConstant(in)) {
                    constants.put(in, graph.constants().get(in));
                } else if (!inputs.contains(in)) {
                    inputs.add(in);
                }
            }
        }
        List<String> outputs = new ArrayList<>();
        for (int n : unit.nodes()) {
            for (String out : nodes.get(n).outputs()) {
                if (out.isEmpty()) {
                    continue;
                }
                boolean readOutside = graphOutputs.contains(out);
                for (int other = 0; other < nodes.size() && !readOutside; other++) {
                    readOutside = !members.contains(other) && nodes.get(other).inputs().contains(out);
                }
                if (readOutside) {
                    outputs.add(out);
                }
            }
        }
        int[] inSlots = inputs.stream().mapToInt(slots::get).toArray();
        int[] outSlots = outputs.stream().mapToInt(slots::get).toArray();
        int[] release = inputs.stream().filter(v -> produced.contains(v) && !graphOutputs.contains(v) && lastUnit.get(v) == u)
                        .mapToInt(slots::get).toArray();
        List<GraphNode> segNodes = new ArrayList<>();
        List<String> opNames = new ArrayList<>();
        for (int n : unit.nodes()) {
            segNodes.add(nodes.get(n));
            opNames.add(nodes.get(n).opType() + " '" + nodes.get(n).displayName() + "'");
        }
        Partition.PlannedSegment plan = unit.segment();
        SegmentRecord record = new SegmentRecord(plan.id(), plan.backend(), opNames, plan.patterns());
        return new SegmentNode(backends, record, segNodes, ops.toArray(new OpNode[0]), inputs, inSlots, outputs, outSlots, release, constants,
                        profiled);
    }

    /** Units in an order that respects every data dependency (segments as single steps). */
    private static List<Unit> orderUnits(List<GraphNode> nodes, Partition partition) {
        List<Unit> units = new ArrayList<>();
        int[] unitOf = new int[nodes.size()];
        java.util.Arrays.fill(unitOf, -1);
        if (partition != null) {
            for (Partition.PlannedSegment s : partition.segments()) {
                for (int n : s.nodes()) {
                    unitOf[n] = units.size();
                }
                units.add(new Unit(s.nodes(), s));
            }
        }
        for (int n = 0; n < nodes.size(); n++) {
            if (unitOf[n] < 0) {
                unitOf[n] = units.size();
                units.add(new Unit(List.of(n), null));
            }
        }
        Map<String, Integer> producer = new HashMap<>();
        for (int n = 0; n < nodes.size(); n++) {
            for (String out : nodes.get(n).outputs()) {
                producer.put(out, n);
            }
        }
        // Kahn's algorithm over units, taking the unit with the smallest first node among the ready ones, so
        // without segments the original node order is kept.
        int count = units.size();
        List<Set<Integer>> deps = new ArrayList<>();
        for (int u = 0; u < count; u++) {
            Set<Integer> d = new HashSet<>();
            for (int n : units.get(u).nodes()) {
                for (String in : nodes.get(n).inputs()) {
                    Integer p = producer.get(in);
                    if (p != null && unitOf[p] != u) {
                        d.add(unitOf[p]);
                    }
                }
            }
            deps.add(d);
        }
        List<Unit> ordered = new ArrayList<>();
        boolean[] done = new boolean[count];
        for (int step = 0; step < count; step++) {
            int best = -1;
            for (int u = 0; u < count; u++) {
                if (!done[u] && deps.get(u).stream().allMatch(d -> done[d])
                                && (best < 0 || units.get(u).nodes().get(0) < units.get(best).nodes().get(0))) {
                    best = u;
                }
            }
            if (best < 0) {
                StringBuilder left = new StringBuilder();
                for (int u = 0; u < count; u++) {
                    if (!done[u]) {
                        left.append(' ').append(units.get(u).segment() == null ? "node " + units.get(u).nodes() : units.get(u).segment())
                                        .append(" waits for units ").append(deps.get(u)).append(';');
                    }
                }
                throw new IllegalStateException("the partition has a cycle between segments:" + left);
            }
            done[best] = true;
            ordered.add(units.get(best));
        }
        return ordered;
    }

    private static int slotOf(Map<String, Integer> slots, String name) {
        return slots.computeIfAbsent(name, n -> slots.size());
    }
}
