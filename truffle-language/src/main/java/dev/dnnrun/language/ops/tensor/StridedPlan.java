package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** A plan whose single output is a strided view (offset and element strides) of input 0, copied densely. */
final class StridedPlan extends Plan {
    final long offset;
    final long[] strides;

    StridedPlan(DType type, long[] shape, long offset, long[] strides) {
        super(new DType[]{type}, new long[][]{shape});
        this.offset = offset;
        this.strides = strides;
    }

    Tensor[] copy(Tensor input, BufferAllocator allocator) {
        Tensor out = allocate(allocator);
        Shapes.stridedCopy(input, offset, strides, out);
        return new Tensor[]{out};
    }
}
