package dev.dnnrun.accel;

import java.util.List;
import java.util.Map;

import dev.dnnrun.tensor.Tensor;

/**
 * A connected, acyclic group of operators placed on one backend, with concrete types for every value. Inputs are
 * what the segment reads from outside (graph inputs or other segments' results, in the order of
 * {@link CompiledSegment#execute}'s input array), outputs what others read from it; constants are the
 * initializers its operators use, handed over once, here. The constants' memory stays valid, and unchanged, until
 * the compiled segment is closed, so a backend may read it in place rather than copy it; it must never write it.
 */
public record Segment(String id, List<OpView> ops, List<String> inputs, List<TensorType> inputTypes, List<String> outputs,
                List<TensorType> outputTypes, Map<String, Tensor> constants, Map<String, TensorType> valueTypes) {

    public TensorType typeOf(String value) {
        return valueTypes.get(value);
    }
}
