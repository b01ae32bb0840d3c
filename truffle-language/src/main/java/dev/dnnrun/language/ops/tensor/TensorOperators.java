package dev.dnnrun.language.ops.tensor;

import dev.dnnrun.language.nodes.OperatorTable;

/** Registers the tensor operators with their since-versions (ONNX Changelog). */
public final class TensorOperators {
    private TensorOperators() {
    }

    public static void register(OperatorTable r) {
        r.register("Identity", Identity.class, 1, 13, 14, 16, 19, 21, 23, 24, 25);
        r.register("Reshape", Reshape.class, 1, 5, 13, 14, 19, 21, 23, 24, 25);
        r.register("Flatten", Flatten.class, 1, 9, 11, 13, 21, 23, 24, 25);
        r.register("Squeeze", Squeeze.class, 1, 11, 13, 21, 23, 24, 25);
        r.register("Unsqueeze", Unsqueeze.class, 1, 11, 13, 21, 23, 24, 25);
        r.register("Shape", Shape.class, 1, 13, 15, 19, 21, 23, 24, 25);
        r.register("Size", Size.class, 1, 13, 19, 21, 23, 24, 25);
        r.register("Constant", Constant.class, 1, 9, 11, 12, 13, 19, 21, 23, 24, 25);
        r.register("ConstantOfShape", ConstantOfShape.class, 9, 20, 21, 23, 24, 25);
        r.register("Concat", Concat.class, 1, 4, 11, 13);
        r.register("Split", Split.class, 1, 2, 11, 13, 18);
        r.register("Slice", Slice.class, 1, 10, 11, 13);
        r.register("Transpose", Transpose.class, 1, 13, 21, 23, 24, 25);
        r.register("Expand", Expand.class, 8, 13);
        // Tile-1 took (input, tiles, axis) inputs; only the repeats form (opset 6+) is implemented
        r.register("Tile", Tile.class, 6, 13);
        r.register("Gather", Gather.class, 1, 11, 13);
        r.register("GatherElements", GatherElements.class, 11, 13);
        r.register("Cast", Cast.class, 1, 6, 9, 13, 19, 21, 23, 24, 25, 28);
        r.register("CastLike", CastLike.class, 15, 19, 21, 23, 24, 25);
        r.register("Range", Range.class, 11, 27);
        r.register("Pad", Pad.class, 1, 2, 11, 13, 18, 19, 21, 23, 24, 25);
        r.register("Resize", Resize.class, 10, 11, 13, 18, 19);
        r.register("Trilu", Trilu.class, 14);
        r.register("CumSum", CumSum.class, 11, 14);
        r.register("CumProd", CumProd.class, 26);
        r.register("OneHot", OneHot.class, 9, 11, 28);
        r.register("DepthToSpace", DepthToSpace.class, 1, 11, 13, 28);
        r.register("SpaceToDepth", SpaceToDepth.class, 1, 13, 28);
        r.register("ScatterElements", ScatterElements.class, 11, 13, 16, 18);
        r.register("ScatterND", ScatterND.class, 11, 13, 16, 18);
    }
}
