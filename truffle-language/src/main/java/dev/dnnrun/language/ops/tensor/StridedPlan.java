package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * A plan whose single output is a strided view (offset and element strides) of input 0, copied densely. The copy
 * may walk the output under another shape with the same element count ({@code viewShape}), as Tile and
 * DepthToSpace do.
 */
final class StridedPlan extends Plan {
    final long offset;
    final long[] strides;
    final long[] viewShape; // null: the output shape

    StridedPlan(DType type, long[] shape, long offset, long[] strides) {
        this(type, shape, offset, strides, null);
    }

    StridedPlan(DType type, long[] shape, long offset, long[] strides, long[] viewShape) {
        super(new DType[]{type}, new long[][]{shape});
        this.offset = offset;
        this.strides = strides;
        this.viewShape = viewShape;
    }

    Tensor[] copy(Tensor input, BufferAllocator allocator) {
        Tensor out = allocate(allocator);
        if (viewShape == null) {
            Shapes.stridedCopy(input, offset, strides, out);
        } else {
            try (Tensor view = out.view(viewShape)) {
                Shapes.stridedCopy(input, offset, strides, view);
            }
        }
        return new Tensor[]{out};
    }
}
