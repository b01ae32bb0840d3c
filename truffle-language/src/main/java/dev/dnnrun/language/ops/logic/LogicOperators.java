package dev.dnnrun.language.ops.logic;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the logic and comparison operators with their since-versions (ONNX Changelog). */
public final class LogicOperators {
    private LogicOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("Where", Where.class, 9, 16);
        r.register("Equal", Equal.class, 1, 7, 11, 13, 19);
        r.register("Less", Less.class, 1, 7, 9, 13);
        r.register("Greater", Greater.class, 1, 7, 9, 13);
        r.register("LessOrEqual", LessOrEqual.class, 12, 16);
        r.register("GreaterOrEqual", GreaterOrEqual.class, 12, 16);
        r.register("And", And.class, 1, 7);
        r.register("Or", Or.class, 1, 7);
        r.register("Xor", Xor.class, 1, 7);
        r.register("Not", Not.class, 1);
    }
}
