package dev.dnnrun.language.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.dnnrun.tensor.Tensor;

/**
 * The graph IR that passes rewrite: nodes in topological order, the graph's inputs and outputs (value names),
 * constants (initializers and folded values, owned by the graph until handed to a model), and the known type of
 * each value. Instances are immutable; a pass returns a new graph.
 */
public final class ModelGraph {
    private final String name;
    private final String sourcePath;
    private final List<GraphNode> nodes;
    private final List<String> inputs;
    private final List<String> outputs;
    private final Map<String, Tensor> constants;
    private final Map<String, ValueType> types;
    /** Tensors the graph owns besides its constants: attribute values and subgraph initializers. */
    private final List<Tensor> attributeTensors;

    public ModelGraph(String name, String sourcePath, List<GraphNode> nodes, List<String> inputs, List<String> outputs,
                    Map<String, Tensor> constants, Map<String, ValueType> types) {
        this(name, sourcePath, nodes, inputs, outputs, constants, types, List.of());
    }

    public ModelGraph(String name, String sourcePath, List<GraphNode> nodes, List<String> inputs, List<String> outputs,
                    Map<String, Tensor> constants, Map<String, ValueType> types, List<Tensor> attributeTensors) {
        this.attributeTensors = List.copyOf(attributeTensors);
        this.name = name;
        this.sourcePath = sourcePath;
        this.nodes = List.copyOf(nodes);
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
        this.types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
    }

    public String name() {
        return name;
    }

    /** The model file the graph came from, for messages ("<memory>" when loaded from bytes). */
    public String sourcePath() {
        return sourcePath;
    }

    public List<GraphNode> nodes() {
        return nodes;
    }

    public List<String> inputs() {
        return inputs;
    }

    public List<String> outputs() {
        return outputs;
    }

    public Map<String, Tensor> constants() {
        return constants;
    }

    public Map<String, ValueType> types() {
        return types;
    }

    public ValueType typeOf(String value) {
        return types.get(value);
    }

    public boolean isConstant(String value) {
        return constants.containsKey(value);
    }

    public ModelGraph withNodes(List<GraphNode> newNodes) {
        return new ModelGraph(name, sourcePath, newNodes, inputs, outputs, constants, types, attributeTensors);
    }

    public ModelGraph withNodesAndConstants(List<GraphNode> newNodes, Map<String, Tensor> newConstants) {
        return new ModelGraph(name, sourcePath, newNodes, inputs, outputs, newConstants, types, attributeTensors);
    }

    public ModelGraph withTypes(Map<String, ValueType> newTypes) {
        return new ModelGraph(name, sourcePath, nodes, inputs, outputs, constants, newTypes, attributeTensors);
    }

    /** Returns the graph with ownership of {@code tensors} (attribute values) added. */
    public ModelGraph withAttributeTensors(List<Tensor> tensors) {
        return new ModelGraph(name, sourcePath, nodes, inputs, outputs, constants, types, tensors);
    }

    /** Releases every tensor the graph owns; the graph must not be used afterwards. */
    public void releaseConstants() {
        for (Tensor t : constants.values()) {
            t.close();
        }
        for (Tensor t : attributeTensors) {
            t.close();
        }
    }

    public List<String> opTypes() {
        List<String> ops = new ArrayList<>();
        for (GraphNode n : nodes) {
            if (!ops.contains(n.qualifiedOp())) {
                ops.add(n.qualifiedOp());
            }
        }
        return ops;
    }
}
