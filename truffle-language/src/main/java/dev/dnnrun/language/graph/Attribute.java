package dev.dnnrun.language.graph;

import dev.dnnrun.tensor.Tensor;

/** One node attribute, already decoded from the protobuf: the value is a Long, Double, String, Tensor, long[],
 *  double[], String[], Tensor[] or ModelGraph (subgraph). */
public record Attribute(String name, Kind kind, Object value) {
    public enum Kind { INT, FLOAT, STRING, TENSOR, GRAPH, INTS, FLOATS, STRINGS, TENSORS, GRAPHS, TYPE }

    public Tensor tensor() {
        return (Tensor) value;
    }
}
