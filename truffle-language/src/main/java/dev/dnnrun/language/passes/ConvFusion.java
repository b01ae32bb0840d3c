package dev.dnnrun.language.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.Attribute;
import dev.dnnrun.language.graph.Attributes;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.graph.ValueType;
import dev.dnnrun.language.ops.OperatorRegistry;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Inference-time rewrites around float32 convolutions, the patterns every CNN exporter produces:
 * <ul>
 * <li>Conv → BatchNormalization, with constant weights and statistics: the normalisation is folded into the
 * convolution's weights and bias, so it costs nothing at run time;</li>
 * <li>Conv → Relu: one {@code dev.dnnrun::FusedConv} node that applies the activation while writing its output,
 * saving a pass over memory;</li>
 * <li>Conv → Add or two-input Sum (residual) [→ Relu], once shapes are inferred ({@link #fuseResiduals}): a FusedConv whose fourth
 * input, of the convolution's output shape, is added as the output is written (ResNet's shortcut, MobileNet's
 * inverted residual), saving the Add's pass and its buffer.</li>
 * </ul>
 * A rewrite applies only when the intermediate value has that single consumer and is not a graph output. The
 * Relu fusion is only done when everything runs on the CPU: accelerators know ONNX operators, not dnnrun's fused
 * ones, and fuse such chains themselves.
 */
public final class ConvFusion {
    public static final String DOMAIN = "dev.dnnrun";
    public static final String FUSED_CONV = "FusedConv";

    private ConvFusion() {
    }

    public static ModelGraph run(ModelGraph graph, OperatorRegistry registry, BufferAllocator allocator, boolean fuseActivations) {
        ModelGraph g = foldBatchNorm(graph, allocator);
        if (fuseActivations && registry.supports(DOMAIN, FUSED_CONV)) {
            g = fuseRelu(g);
        }
        return g;
    }

    /** Closes and drops constant {@code name} when the node being rewritten, reading it {@code uses} times, was its only reader. */
    private static void releaseIfOnlyReader(Map<String, Tensor> constants, Map<String, Integer> readers, String name, int uses) {
        if (readers.getOrDefault(name, 0) == uses && constants.containsKey(name)) {
            constants.remove(name).close();
        }
    }

    private static boolean isConv(GraphNode n) {
        return n != null && n.domain().isEmpty() && n.opType().equals("Conv") && n.outputs().size() == 1;
    }

    private static ModelGraph foldBatchNorm(ModelGraph g, BufferAllocator allocator) {
        Map<String, Integer> readers = GraphUses.readers(g);
        Map<String, GraphNode> producers = GraphUses.producers(g);
        Map<String, Tensor> constants = new LinkedHashMap<>(g.constants());
        Map<GraphNode, GraphNode> replaced = new HashMap<>();
        Set<GraphNode> removed = new HashSet<>();
        for (GraphNode bn : g.nodes()) {
            if (!bn.domain().isEmpty() || !bn.opType().equals("BatchNormalization") || bn.inputs().size() != 5
                            || bn.attributes().getInt("training_mode", 0) != 0 || bn.attributes().getInt("spatial", 1) != 1
                            || bn.outputs().stream().skip(1).anyMatch(o -> !o.isEmpty())) {
                continue;
            }
            GraphNode conv = producers.get(bn.inputs().get(0));
            if (!isConv(conv) || replaced.containsKey(conv) || readers.getOrDefault(bn.inputs().get(0), 0) != 1) {
                continue;
            }
            Tensor w = constants.get(conv.inputs().get(1));
            Tensor bias = conv.inputs().size() > 2 && !conv.inputs().get(2).isEmpty() ? constants.get(conv.inputs().get(2)) : null;
            boolean hasBias = conv.inputs().size() > 2 && !conv.inputs().get(2).isEmpty();
            Tensor[] stats = new Tensor[4];
            for (int i = 0; i < 4; i++) {
                stats[i] = constants.get(bn.inputs().get(i + 1));
            }
            if (w == null || w.dtype() != DType.FLOAT || w.rank() < 3 || (hasBias && bias == null) || !allFloat(stats, w.dim(0))
                            || (bias != null && (bias.dtype() != DType.FLOAT || bias.elementCount() != w.dim(0)))) {
                continue;
            }
            double epsilon = bn.attributes().getFloat("epsilon", 1e-5f);
            long m = w.dim(0);
            long perChannel = w.elementCount() / m;
            Tensor newW = Tensor.allocate(allocator, DType.FLOAT, w.shape());
            Tensor newB = Tensor.allocate(allocator, DType.FLOAT, m);
            for (long c = 0; c < m; c++) {
                double factor = stats[0].getFloat(c) / Math.sqrt(stats[3].getFloat(c) + epsilon);
                for (long k = 0; k < perChannel; k++) {
                    long i = c * perChannel + k;
                    newW.segment().set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i * 4, (float) (w.getFloat(i) * factor));
                }
                double b0 = bias == null ? 0 : bias.getFloat(c);
                float folded = (float) ((b0 - stats[2].getFloat(c)) * factor + stats[1].getFloat(c));
                newB.segment().set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, c * 4, folded);
            }
            // Inputs only these two nodes read are dead now: release them at once, so that a model's weights are
            // never held twice while folding (the peak of a ResNet-50 load).
            releaseIfOnlyReader(constants, readers, conv.inputs().get(1), 1);
            if (hasBias) {
                releaseIfOnlyReader(constants, readers, conv.inputs().get(2), 1);
            }
            for (int i = 1; i <= 4; i++) {
                releaseIfOnlyReader(constants, readers, bn.inputs().get(i), (int) bn.inputs().stream().filter(bn.inputs().get(i)::equals).count());
            }
            String wName = unique(constants, conv.inputs().get(1) + "/bn_folded");
            String bName = unique(constants, bn.outputs().get(0) + "/bn_folded_bias");
            constants.put(wName, newW);
            constants.put(bName, newB);
            GraphNode fused = new GraphNode(conv.name(), conv.opType(), conv.domain(), List.of(conv.inputs().get(0), wName, bName),
                            List.of(bn.outputs().get(0)), conv.attributes(), conv.opsetVersion());
            replaced.put(conv, fused);
            removed.add(bn);
        }
        if (replaced.isEmpty()) {
            return g;
        }
        // The original weights and statistics are now unread; dead-node elimination releases them.
        return g.withNodesAndConstants(GraphUses.rewritten(g, replaced, removed), constants);
    }

    private static boolean allFloat(Tensor[] ts, long channels) {
        for (Tensor t : ts) {
            if (t == null || t.dtype() != DType.FLOAT || t.elementCount() != channels) {
                return false;
            }
        }
        return true;
    }

    private static String unique(Map<String, Tensor> constants, String base) {
        String name = base;
        for (int i = 1; constants.containsKey(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    /**
     * Conv → Add (or a two-input Sum) [→ Relu] as one FusedConv with the Add's other input as its summand, where the two Add inputs have
     * the same static shape and dtype (known only after shape inference) and the Conv's output has no other reader.
     * The fused node takes the place of the chain's last node: the summand may be computed after the Conv.
     */
    public static ModelGraph fuseResiduals(ModelGraph g, OperatorRegistry registry, boolean cpuOnly) {
        if (!cpuOnly || !registry.supports(DOMAIN, FUSED_CONV)) {
            return g;
        }
        Map<String, Integer> readers = GraphUses.readers(g);
        Map<String, GraphNode> producers = GraphUses.producers(g);
        Map<String, GraphNode> readerOf = new HashMap<>();
        for (GraphNode n : g.nodes()) {
            for (String in : n.inputs()) {
                readerOf.put(in, n);
            }
        }
        Map<GraphNode, GraphNode> replaced = new HashMap<>();
        Set<GraphNode> removed = new HashSet<>();
        for (GraphNode add : g.nodes()) {
            // Sum of two inputs is Add (light ResNet-50 writes its shortcuts as Sum).
            if (!add.domain().isEmpty() || !(add.opType().equals("Add") || add.opType().equals("Sum")) || add.inputs().size() != 2
                            || add.outputs().size() != 1
                            || add.inputs().get(0).equals(add.inputs().get(1)) || removed.contains(add)) {
                continue;
            }
            for (int side = 0; side < 2; side++) {
                String v = add.inputs().get(side);
                String z = add.inputs().get(1 - side);
                GraphNode conv = producers.get(v);
                if (!isConv(conv) || removed.contains(conv) || readers.getOrDefault(v, 0) != 1 || !sameStaticType(g, v, z)) {
                    continue;
                }
                GraphNode last = add;
                String out = add.outputs().get(0);
                GraphNode relu = readerOf.get(out);
                boolean fuseRelu = relu != null && readers.getOrDefault(out, 0) == 1 && relu.domain().isEmpty()
                                && relu.opType().equals("Relu") && relu.inputs().size() == 1;
                if (fuseRelu) {
                    removed.add(add);
                    last = relu;
                    out = relu.outputs().get(0);
                }
                List<String> inputs = new ArrayList<>(conv.inputs());
                while (inputs.size() < 3) {
                    inputs.add("");
                }
                inputs.add(z);
                replaced.put(last, fusedConv(conv, inputs, List.of(out), fuseRelu));
                removed.add(conv);
                break;
            }
        }
        if (replaced.isEmpty()) {
            return g;
        }
        return g.withNodes(GraphUses.rewritten(g, replaced, removed));
    }

    /** A FusedConv with {@code conv}'s attributes (and activation Relu when {@code relu}) on other inputs and outputs. */
    private static GraphNode fusedConv(GraphNode conv, List<String> inputs, List<String> outputs, boolean relu) {
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        for (Attribute a : conv.attributes().all()) {
            attrs.put(a.name(), a);
        }
        if (relu) {
            attrs.put("activation", new Attribute("activation", Attribute.Kind.STRING, "Relu"));
        }
        return new GraphNode(conv.name(), FUSED_CONV, DOMAIN, inputs, outputs, new Attributes(attrs), conv.opsetVersion());
    }

    /** Whether values a and b have the same dtype and the same fully known shape. */
    private static boolean sameStaticType(ModelGraph g, String a, String b) {
        ValueType ta = g.typeOf(a);
        ValueType tb = g.typeOf(b);
        return ta != null && tb != null && ta.dtype() == tb.dtype() && ta.dtype().isFloating() && ta.hasStaticShape()
                        && tb.hasStaticShape() && java.util.Arrays.equals(ta.dims(), tb.dims());
    }

    private static ModelGraph fuseRelu(ModelGraph g) {
        Map<String, Integer> readers = GraphUses.readers(g);
        Map<String, GraphNode> producers = GraphUses.producers(g);
        Map<GraphNode, GraphNode> replaced = new HashMap<>();
        Set<GraphNode> removed = new HashSet<>();
        for (GraphNode relu : g.nodes()) {
            if (!relu.domain().isEmpty() || !relu.opType().equals("Relu") || relu.inputs().size() != 1) {
                continue;
            }
            GraphNode conv = producers.get(relu.inputs().get(0));
            if (!isConv(conv) || replaced.containsKey(conv) || readers.getOrDefault(relu.inputs().get(0), 0) != 1) {
                continue;
            }
            replaced.put(conv, fusedConv(conv, conv.inputs(), relu.outputs(), true));
            removed.add(relu);
        }
        if (replaced.isEmpty()) {
            return g;
        }
        return g.withNodes(GraphUses.rewritten(g, replaced, removed));
    }
}
