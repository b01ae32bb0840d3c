package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the reduce operators with their since-versions (ONNX Changelog). */
public final class ReduceOperators {
    private ReduceOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("ReduceSum", ReduceSum::new, 1, 11, 13);
        r.register("ReduceMean", ReduceMean::new, 1, 11, 13, 18);
        r.register("ReduceMax", ReduceMax::new, 1, 11, 12, 13, 18, 20);
        r.register("ReduceMin", ReduceMin::new, 1, 11, 12, 13, 18, 20);
        r.register("ReduceProd", ReduceProd::new, 1, 11, 13, 18);
        r.register("ReduceL1", ReduceL1::new, 1, 11, 13, 18);
        r.register("ReduceL2", ReduceL2::new, 1, 11, 13, 18);
        r.register("ReduceSumSquare", ReduceSumSquare::new, 1, 11, 13, 18);
        r.register("ReduceLogSum", ReduceLogSum::new, 1, 11, 13, 18, 28);
        r.register("ReduceLogSumExp", ReduceLogSumExp::new, 1, 11, 13, 18, 28);
        r.register("ArgMax", ArgMax::new, 1, 11, 12, 13);
        r.register("ArgMin", ArgMin::new, 1, 11, 12, 13);
        r.register("TopK", TopK::new, 1, 10, 11, 24);
    }
}
