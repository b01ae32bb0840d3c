package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the math operators with their since-versions (ONNX Changelog). */
public final class MathOperators {
    private MathOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("Add", Add.class, 1, 6, 7, 13, 14);
        r.register("Sub", Sub.class, 1, 6, 7, 13, 14);
        r.register("Mul", Mul.class, 1, 6, 7, 13, 14);
        r.register("Div", Div.class, 1, 6, 7, 13, 14);
        r.register("Pow", Pow.class, 1, 7, 12, 13, 15);
        r.register("Mod", Mod.class, 10, 13, 28);
        r.register("BitShift", BitShift.class, 11, 28);
        r.register("Sum", Sum.class, 1, 6, 8, 13);
        r.register("Mean", Mean.class, 1, 6, 8, 13);
        r.register("Max", Max.class, 1, 6, 8, 12, 13);
        r.register("Min", Min.class, 1, 6, 8, 12, 13);
        r.register("Clip", Clip.class, 1, 6, 11, 12, 13);
        r.register("Sqrt", Sqrt.class, 1, 6, 13);
        r.register("Exp", Exp.class, 1, 6, 13);
        r.register("Log", Log.class, 1, 6, 13);
        r.register("Erf", Erf.class, 9, 13);
        r.register("Neg", Neg.class, 1, 6, 13);
        r.register("Abs", Abs.class, 1, 6, 13);
        r.register("Reciprocal", Reciprocal.class, 1, 6, 13);
        r.register("Floor", Floor.class, 1, 6, 13);
        r.register("Ceil", Ceil.class, 1, 6, 13);
        r.register("Round", Round.class, 11, 22);
        r.register("Sign", Sign.class, 9, 13);
        r.register("Sin", Sin.class, 7, 22);
        r.register("Cos", Cos.class, 7, 22);
        r.register("Tan", Tan.class, 7, 22);
        r.register("Asin", Asin.class, 7, 22);
        r.register("Acos", Acos.class, 7, 22);
        r.register("Atan", Atan.class, 7, 22);
        r.register("Sinh", Sinh.class, 9, 22);
        r.register("Cosh", Cosh.class, 9, 22);
        r.register("Asinh", Asinh.class, 9, 22);
        r.register("Acosh", Acosh.class, 9, 22);
        r.register("Atanh", Atanh.class, 9, 22);
        r.register("IsNaN", IsNaN.class, 9, 13, 20);
        r.register("IsInf", IsInf.class, 10, 20);
    }
}
