package dev.dnnrun.language.ops.tensor;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the tensor operators with their since-versions (ONNX Changelog). */
public final class TensorOperators {
    private TensorOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("Identity", Identity::new, 1, 13, 14, 16, 19, 21, 23, 24, 25);
        r.register("Reshape", Reshape::new, 1, 5, 13, 14, 19, 21, 23, 24, 25);
        r.register("Flatten", Flatten::new, 1, 9, 11, 13, 21, 23, 24, 25);
        r.register("Squeeze", Squeeze::new, 1, 11, 13, 21, 23, 24, 25);
        r.register("Unsqueeze", Unsqueeze::new, 1, 11, 13, 21, 23, 24, 25);
        r.register("Shape", Shape::new, 1, 13, 15, 19, 21, 23, 24, 25);
        r.register("Size", Size::new, 1, 13, 19, 21, 23, 24, 25);
        r.register("Constant", Constant::new, 1, 9, 11, 12, 13, 19, 21, 23, 24, 25);
        r.register("ConstantOfShape", ConstantOfShape::new, 9, 20, 21, 23, 24, 25);
        r.register("Concat", Concat::new, 1, 4, 11, 13);
        r.register("Split", Split::new, 1, 2, 11, 13, 18);
        r.register("Slice", Slice::new, 1, 10, 11, 13);
        r.register("Transpose", Transpose::new, 1, 13, 21, 23, 24, 25);
        r.register("Expand", Expand::new, 8, 13);
        // Tile-1 took (input, tiles, axis) inputs; only the repeats form (opset 6+) is implemented
        r.register("Tile", Tile::new, 6, 13);
        r.register("Gather", Gather::new, 1, 11, 13);
        r.register("GatherElements", GatherElements::new, 11, 13);
        r.register("Cast", Cast::new, 1, 6, 9, 13, 19, 21, 23, 24, 25, 28);
        r.register("CastLike", CastLike::new, 15, 19, 21, 23, 24, 25);
        r.register("Range", Range::new, 11, 27);
        r.register("Pad", Pad::new, 1, 2, 11, 13, 18, 19, 21, 23, 24, 25);
        r.register("Resize", Resize::new, 10, 11, 13, 18, 19);
        r.register("Trilu", Trilu::new, 14);
        r.register("CumSum", CumSum::new, 11, 14);
        r.register("CumProd", CumProd::new, 26);
        r.register("OneHot", OneHot::new, 9, 11, 28);
        r.register("DepthToSpace", DepthToSpace::new, 1, 11, 13, 28);
        r.register("SpaceToDepth", SpaceToDepth::new, 1, 13, 28);
        r.register("ScatterElements", ScatterElements::new, 11, 13, 16, 18);
        r.register("ScatterND", ScatterND::new, 11, 13, 16, 18);
    }
}
