package dev.dnnrun.language.nodes;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * What an operator worked out for one input signature: output types and shapes, and (in subclasses) whatever
 * else depends only on the signature, such as strides or padded sizes. A plan is cached per signature, so in
 * compiled code it is a constant. A null output shape means the size depends on input values and is decided by
 * the kernel.
 */
public class Plan {
    private final DType[] outputTypes;
    private final long[][] outputShapes;

    public Plan(DType[] outputTypes, long[][] outputShapes) {
        this.outputTypes = outputTypes;
        this.outputShapes = outputShapes;
    }

    public static Plan single(DType type, long[] shape) {
        return new Plan(new DType[]{type}, new long[][]{shape});
    }

    public int outputCount() {
        return outputTypes.length;
    }

    public DType outputType(int i) {
        return outputTypes[i];
    }

    /** The shape of output {@code i}, or null when it depends on input values. */
    public long[] outputShape(int i) {
        return outputShapes[i];
    }

    public Tensor allocate(BufferAllocator allocator, int i) {
        return Tensor.allocate(allocator, outputTypes[i], outputShapes[i]);
    }

    /** Allocates output 0: the common single-output case. */
    public Tensor allocate(BufferAllocator allocator) {
        return allocate(allocator, 0);
    }
}
