package dev.dnnrun.language.ops.activation;

import dev.dnnrun.kernels.elementwise.ErfFunction;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** Gelu: x * Phi(x) exactly (approximate = "none") or with the tanh approximation (approximate = "tanh"). */
public final class Gelu extends UnaryElementwise {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private final boolean tanh;

    public Gelu(GraphNode node) {
        super(node);
        String approximate = node.attributes().getString("approximate", "none");
        if (!approximate.equals("none") && !approximate.equals("tanh")) {
            throw new OperatorException("approximate must be 'none' or 'tanh', got '" + approximate + "'");
        }
        tanh = approximate.equals("tanh");
    }

    @Override
    protected double applyDouble(double x) {
        if (tanh) {
            return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
        }
        return 0.5 * x * (1 + ErfFunction.erf(x / Math.sqrt(2)));
    }
}
