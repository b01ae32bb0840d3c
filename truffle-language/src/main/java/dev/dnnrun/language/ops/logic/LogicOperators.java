package dev.dnnrun.language.ops.logic;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the logic and comparison operators with their since-versions (ONNX Changelog). */
public final class LogicOperators {
    private LogicOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("Where", Where::new, 9, 16);
        r.register("Equal", Equal::new, 1, 7, 11, 13, 19);
        r.register("Less", Less::new, 1, 7, 9, 13);
        r.register("Greater", Greater::new, 1, 7, 9, 13);
        r.register("LessOrEqual", LessOrEqual::new, 12, 16);
        r.register("GreaterOrEqual", GreaterOrEqual::new, 12, 16);
        r.register("And", And::new, 1, 7);
        r.register("Or", Or::new, 1, 7);
        r.register("Xor", Xor::new, 1, 7);
        r.register("Not", Not::new, 1);
    }
}
