package dev.dnnrun.language.ops;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.OperatorTable;

/**
 * Maps (domain, op type) to the node class that implements it. Each operator registers every opset version in
 * which ONNX changed it ("since versions", from Changelog.md); a node runs with the newest of those that is not
 * newer than the model's opset, so a model at opset 21 uses Relu-14 semantics. Registering a version list is a
 * promise that the node implements all of them.
 */
public final class OperatorRegistry implements OperatorTable {
    /** The newest ai.onnx opset whose changes the registered operators account for. */
    public static final int MAX_OPSET = 28;

    public record Entry(String domain, String opType, int[] sinceVersions, Class<? extends OpNode> node) {
    }

    private final Map<String, Entry> entries = new TreeMap<>();

    private static final OperatorRegistry STANDARD = createStandard();

    public static OperatorRegistry standard() {
        return STANDARD;
    }

    private static OperatorRegistry createStandard() {
        OperatorRegistry r = new OperatorRegistry();
        dev.dnnrun.language.ops.math.MathOperators.register(r);
        dev.dnnrun.language.ops.math.MatrixOperators.register(r);
        dev.dnnrun.language.ops.activation.ActivationOperators.register(r);
        dev.dnnrun.language.ops.nn.NnOperators.register(r);
        dev.dnnrun.language.ops.tensor.TensorOperators.register(r);
        dev.dnnrun.language.ops.logic.LogicOperators.register(r);
        dev.dnnrun.language.ops.reduce.ReduceOperators.register(r);
        dev.dnnrun.language.ops.loss.LossOperators.register(r);
        dev.dnnrun.language.ops.quant.QuantOperators.register(r);
        return r;
    }

    @Override
    public void register(String domain, String opType, Class<? extends OpNode> node, int... sinceVersions) {
        int[] versions = sinceVersions.clone();
        Arrays.sort(versions);
        if (entries.put(key(domain, opType), new Entry(domain, opType, versions, node)) != null) {
            throw new IllegalStateException("operator registered twice: " + opType);
        }
    }

    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    public boolean supports(String domain, String opType) {
        return entries.containsKey(key(domain, opType));
    }

    /** Creates the node for {@code n}, or throws OperatorException saying why it cannot. */
    public OpNode create(GraphNode n) {
        Entry e = entries.get(key(n.domain(), n.opType()));
        if (e == null) {
            throw new OperatorException("unsupported operator " + n.qualifiedOp());
        }
        int opset = n.opsetVersion();
        if (opset < e.sinceVersions[0]) {
            throw new OperatorException("operator " + n.opType() + " does not exist in opset " + opset + " (added in opset "
                            + e.sinceVersions[0] + ")");
        }
        return instantiate(e.node(), n);
    }

    private static OpNode instantiate(Class<? extends OpNode> node, GraphNode n) {
        Constructor<? extends OpNode> constructor;
        try {
            constructor = node.getConstructor(GraphNode.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(node.getName() + " has no public (GraphNode) constructor", e);
        }
        try {
            return constructor.newInstance(n);
        } catch (InvocationTargetException e) {
            // The node rejected its attributes (an OperatorException) or failed: the caller reports it for the node.
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + node.getName() + ": " + e, e);
        }
    }

    /** The since-version that applies to a node at the given opset. */
    public int effectiveVersion(String domain, String opType, int opset) {
        Entry e = entries.get(key(domain, opType));
        int v = -1;
        for (int s : e.sinceVersions) {
            if (s <= opset) {
                v = s;
            }
        }
        return v;
    }

    private static String key(String domain, String opType) {
        String d = domain == null || domain.equals("ai.onnx") ? "" : domain;
        return d + "::" + opType;
    }
}
