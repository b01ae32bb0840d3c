package dev.dnnrun.language.graph;

import java.util.List;

/**
 * One operator application in a graph. Inputs and outputs are value names; an empty name marks an omitted
 * optional input or output. {@code opsetVersion} is the model's opset for the node's domain.
 */
public record GraphNode(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                Attributes attributes, int opsetVersion) {

    /** How errors name the node: its name, or its position and first output when it has none. */
    public String displayName() {
        if (name != null && !name.isEmpty()) {
            return name;
        }
        return outputs.isEmpty() ? "<unnamed>" : "<unnamed, output '" + outputs.get(0) + "'>";
    }

    public String qualifiedOp() {
        return domain == null || domain.isEmpty() || domain.equals("ai.onnx") ? opType : domain + "::" + opType;
    }

    public GraphNode withInputs(List<String> newInputs) {
        return new GraphNode(name, opType, domain, newInputs, outputs, attributes, opsetVersion);
    }
}
