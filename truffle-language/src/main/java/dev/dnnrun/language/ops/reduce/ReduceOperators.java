package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the reduce operators with their since-versions (ONNX Changelog). */
public final class ReduceOperators {
    private ReduceOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("ReduceSum", ReduceSum.class, 1, 11, 13);
        r.register("ReduceMean", ReduceMean.class, 1, 11, 13, 18);
        r.register("ReduceMax", ReduceMax.class, 1, 11, 12, 13, 18, 20);
        r.register("ReduceMin", ReduceMin.class, 1, 11, 12, 13, 18, 20);
        r.register("ReduceProd", ReduceProd.class, 1, 11, 13, 18);
        r.register("ReduceL1", ReduceL1.class, 1, 11, 13, 18);
        r.register("ReduceL2", ReduceL2.class, 1, 11, 13, 18);
        r.register("ReduceSumSquare", ReduceSumSquare.class, 1, 11, 13, 18);
        r.register("ReduceLogSum", ReduceLogSum.class, 1, 11, 13, 18, 28);
        r.register("ReduceLogSumExp", ReduceLogSumExp.class, 1, 11, 13, 18, 28);
        r.register("ArgMax", ArgMax.class, 1, 11, 12, 13);
        r.register("ArgMin", ArgMin.class, 1, 11, 12, 13);
        r.register("TopK", TopK.class, 1, 10, 11, 24);
    }
}
