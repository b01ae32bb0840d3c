package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.ErfFunction;
import dev.dnnrun.language.graph.GraphNode;

/** Erf: the Gauss error function. */
public final class Erf extends UnaryElementwise {
    public Erf(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return ErfFunction.erf(x);
    }
}
