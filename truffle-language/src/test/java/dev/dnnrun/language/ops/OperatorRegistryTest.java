package dev.dnnrun.language.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.dnnrun.language.graph.Attributes;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;

/** The registry creates nodes from registered classes, so every class must be constructible from a GraphNode. */
class OperatorRegistryTest {

    @Test
    void everyRegisteredNodeClassHasAPublicGraphNodeConstructor() {
        List<String> broken = new ArrayList<>();
        for (OperatorRegistry.Entry e : OperatorRegistry.standard().entries().values()) {
            Class<? extends OpNode> c = e.node();
            try {
                if (Modifier.isAbstract(c.getModifiers()) || !Modifier.isPublic(c.getConstructor(GraphNode.class).getModifiers())) {
                    broken.add(e.opType() + " -> " + c.getName());
                }
            } catch (NoSuchMethodException x) {
                broken.add(e.opType() + " -> " + c.getName() + " (no public (GraphNode) constructor)");
            }
        }
        assertTrue(broken.isEmpty(), "not constructible: " + broken);
        assertTrue(OperatorRegistry.standard().entries().size() > 100, "the standard operators are registered");
    }

    @Test
    void unknownOperatorsAndOperatorsOlderThanTheirFirstOpsetAreRefused() {
        OperatorRegistry r = OperatorRegistry.standard();
        assertFalse(r.supports("", "NoSuchOp"));
        OperatorException unknown = assertThrows(OperatorException.class, () -> r.create(node("NoSuchOp", 17)));
        assertTrue(unknown.getMessage().contains("unsupported operator"), unknown.getMessage());
        // LayerNormalization first appears in opset 17.
        OperatorException early = assertThrows(OperatorException.class, () -> r.create(node("LayerNormalization", 13)));
        assertTrue(early.getMessage().contains("added in opset 17"), early.getMessage());
        assertEquals("Relu", r.create(node("Relu", 17)).graphNode().opType());
    }

    private static GraphNode node(String op, int opset) {
        return new GraphNode("n", op, "", List.of("x"), List.of("y"), Attributes.empty(), opset);
    }
}
