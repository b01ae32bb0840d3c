package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the math operators with their since-versions (ONNX Changelog). */
public final class MathOperators {
    private MathOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("Add", Add::new, 1, 6, 7, 13, 14);
        r.register("Sub", Sub::new, 1, 6, 7, 13, 14);
        r.register("Mul", Mul::new, 1, 6, 7, 13, 14);
        r.register("Div", Div::new, 1, 6, 7, 13, 14);
        r.register("Pow", Pow::new, 1, 7, 12, 13, 15);
        r.register("Mod", Mod::new, 10, 13, 28);
        r.register("BitShift", BitShift::new, 11, 28);
        r.register("Sum", Sum::new, 1, 6, 8, 13);
        r.register("Mean", Mean::new, 1, 6, 8, 13);
        r.register("Max", Max::new, 1, 6, 8, 12, 13);
        r.register("Min", Min::new, 1, 6, 8, 12, 13);
        r.register("Clip", Clip::new, 1, 6, 11, 12, 13);
        r.register("Sqrt", Sqrt::new, 1, 6, 13);
        r.register("Exp", Exp::new, 1, 6, 13);
        r.register("Log", Log::new, 1, 6, 13);
        r.register("Erf", Erf::new, 9, 13);
        r.register("Neg", Neg::new, 1, 6, 13);
        r.register("Abs", Abs::new, 1, 6, 13);
        r.register("Reciprocal", Reciprocal::new, 1, 6, 13);
        r.register("Floor", Floor::new, 1, 6, 13);
        r.register("Ceil", Ceil::new, 1, 6, 13);
        r.register("Round", Round::new, 11, 22);
        r.register("Sign", Sign::new, 9, 13);
        r.register("Sin", Sin::new, 7, 22);
        r.register("Cos", Cos::new, 7, 22);
        r.register("Tan", Tan::new, 7, 22);
        r.register("Asin", Asin::new, 7, 22);
        r.register("Acos", Acos::new, 7, 22);
        r.register("Atan", Atan::new, 7, 22);
        r.register("Sinh", Sinh::new, 9, 22);
        r.register("Cosh", Cosh::new, 9, 22);
        r.register("Asinh", Asinh::new, 9, 22);
        r.register("Acosh", Acosh::new, 9, 22);
        r.register("Atanh", Atanh::new, 9, 22);
        r.register("IsNaN", IsNaN::new, 9, 13, 20);
        r.register("IsInf", IsInf::new, 10, 20);
    }
}
