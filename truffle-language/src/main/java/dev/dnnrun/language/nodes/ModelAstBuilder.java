package dev.dnnrun.language.nodes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.frame.FrameDescriptor;
import com.oracle.truffle.api.frame.FrameSlotKind;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.ops.OperatorRegistry;
import dev.dnnrun.tensor.Tensor;

/**
 * Turns an optimised {@link ModelGraph} into a {@link ModelRootNode}: one frame slot per value, one operator node
 * per graph node, and for each node the slots whose last reader it is (liveness), so intermediates are freed as
 * soon as possible.
 */
public final class ModelAstBuilder {
    private ModelAstBuilder() {
    }

    public static ModelRootNode build(TruffleLanguage<?> language, ModelGraph graph, OperatorRegistry registry, boolean profiled) {
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
        Set<String> graphOutputs = new HashSet<>(graph.outputs());
        List<GraphNode> nodes = graph.nodes();
        Map<String, Integer> lastUse = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs()) {
                lastUse.put(in, i);
            }
        }
        List<Integer> intermediates = new ArrayList<>();
        OpNode[] ops = new OpNode[nodes.size()];
        List<List<Integer>> releaseAt = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            releaseAt.add(new ArrayList<>());
        }
        for (int i = 0; i < nodes.size(); i++) {
            GraphNode n = nodes.get(i);
            for (String out : n.outputs()) {
                if (out.isEmpty()) {
                    continue;
                }
                int slot = slotOf(slots, out);
                intermediates.add(slot);
                Integer last = lastUse.get(out);
                if (last != null && !graphOutputs.contains(out)) {
                    releaseAt.get(last).add(slot);
                }
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            GraphNode n = nodes.get(i);
            OpNode op = registry.create(n);
            int[] in = new int[n.inputs().size()];
            for (int j = 0; j < in.length; j++) {
                String name = n.inputs().get(j);
                in[j] = name.isEmpty() ? -1 : slots.get(name);
            }
            int[] out = new int[n.outputs().size()];
            for (int j = 0; j < out.length; j++) {
                String name = n.outputs().get(j);
                boolean used = !name.isEmpty() && (lastUse.containsKey(name) || graphOutputs.contains(name));
                out[j] = used ? slots.get(name) : -1;
            }
            int[] release = releaseAt.get(i).stream().distinct().mapToInt(Integer::intValue).toArray();
            op.bindSlots(in, out, release, profiled);
            ops[i] = op;
        }
        int[] outputSlots = new int[graph.outputs().size()];
        boolean[] shared = new boolean[outputSlots.length];
        Set<String> produced = new HashSet<>();
        for (GraphNode n : nodes) {
            produced.addAll(n.outputs());
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < outputSlots.length; i++) {
            String o = graph.outputs().get(i);
            outputSlots[i] = slots.get(o);
            shared[i] = !produced.contains(o) || !seen.add(o);
        }
        FrameDescriptor.Builder fd = FrameDescriptor.newBuilder();
        fd.addSlots(slots.size(), FrameSlotKind.Object);
        return new ModelRootNode(language, fd.build(), graph.name(), ops, inputSlots, constantSlots,
                        constants.toArray(new Tensor[0]), intermediates.stream().mapToInt(Integer::intValue).toArray(),
                        outputSlots, shared);
    }

    private static int slotOf(Map<String, Integer> slots, String name) {
        return slots.computeIfAbsent(name, n -> slots.size());
    }
}
