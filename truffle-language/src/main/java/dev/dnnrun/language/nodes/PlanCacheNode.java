package dev.dnnrun.language.nodes;

import com.oracle.truffle.api.dsl.Cached;
import com.oracle.truffle.api.dsl.GenerateInline;
import com.oracle.truffle.api.dsl.Specialization;
import com.oracle.truffle.api.nodes.Node;

import dev.dnnrun.tensor.Tensor;

/**
 * The shape specialisation of every operator: an inline cache from input signature (dtypes, shapes, value-input
 * contents) to plan. A hit costs a few compares of compilation constants; after {@code limit} signatures the node
 * goes generic and plans on every call, like a megamorphic call site.
 */
@GenerateInline(false)
public abstract class PlanCacheNode extends Node {
    static final int SIGNATURE_LIMIT = 4;

    public abstract Plan execute(OpNode op, Tensor[] inputs);

    @Specialization(guards = "signature.matches(inputs)", limit = "SIGNATURE_LIMIT")
    protected static Plan cached(@SuppressWarnings("unused") OpNode op, @SuppressWarnings("unused") Tensor[] inputs,
                    @Cached("signatureOf(op, inputs)") @SuppressWarnings("unused") Signature signature,
                    @Cached("op.planFor(signature)") Plan plan) {
        return plan;
    }

    @Specialization(replaces = "cached")
    protected static Plan generic(OpNode op, Tensor[] inputs) {
        return op.planFor(signatureOf(op, inputs));
    }

    static Signature signatureOf(OpNode op, Tensor[] inputs) {
        return Signature.of(op, inputs);
    }
}
