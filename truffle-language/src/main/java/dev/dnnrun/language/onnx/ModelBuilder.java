package dev.dnnrun.language.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import com.google.protobuf.ByteString;

import dev.dnnrun.onnx.proto.Onnx;
import dev.dnnrun.tensor.DType;

/**
 * Builds ONNX models in Java, so tests and embedders need no outside files:
 * <pre>
 * byte[] model = new ModelBuilder("mlp").opset(17)
 *     .input("x", DType.FLOAT, "N", 4)
 *     .initializer("w", new long[]{4, 2}, new float[]{...})
 *     .node("MatMul", "x,w", "y").done()
 *     .output("y", DType.FLOAT, "N", 2)
 *     .build();
 * </pre>
 * Dimensions are numbers, or strings for symbolic dimensions.
 */
public final class ModelBuilder {
    private final Onnx.Model.Builder model = Onnx.Model.newBuilder().setIrVersion(8).setProducerName("dnnrun ModelBuilder");
    private final Onnx.Graph.Builder graph = Onnx.Graph.newBuilder();
    private int opset = 17;
    private final java.util.Map<String, Integer> extraOpsets = new java.util.LinkedHashMap<>();
    private int nodeCount;

    public ModelBuilder(String graphName) {
        graph.setName(graphName);
    }

    public ModelBuilder opset(int version) {
        this.opset = version;
        return this;
    }

    /** Imports another operator set domain (e.g. "dev.dnnrun") besides the default one. */
    public ModelBuilder opset(String domain, int version) {
        extraOpsets.put(domain, version);
        return this;
    }

    public ModelBuilder irVersion(int version) {
        model.setIrVersion(version);
        return this;
    }

    /** Declares a graph input; each dim is a Number (fixed) or a String (symbolic). */
    public ModelBuilder input(String name, DType dtype, Object... dims) {
        graph.addInput(valueInfo(name, dtype, dims));
        return this;
    }

    public ModelBuilder output(String name, DType dtype, Object... dims) {
        graph.addOutput(valueInfo(name, dtype, dims));
        return this;
    }

    /** Declares an output without type information. */
    public ModelBuilder output(String name) {
        graph.addOutput(Onnx.ValueInfo.newBuilder().setName(name));
        return this;
    }

    public ModelBuilder initializer(String name, long[] shape, float... values) {
        graph.addInitializer(tensor(name, shape, values));
        return this;
    }

    public ModelBuilder initializer(String name, long[] shape, long... values) {
        graph.addInitializer(tensor(name, shape, values));
        return this;
    }

    public ModelBuilder initializer(Onnx.Tensor tensor) {
        graph.addInitializer(tensor);
        return this;
    }

    /** Starts a node; inputs and outputs are comma-separated value names (an empty item omits an optional input). */
    public NodeBuilder node(String opType, String inputs, String outputs) {
        return new NodeBuilder(opType, split(inputs), split(outputs));
    }

    public byte[] build() {
        model.clearOpsetImport().addOpsetImport(Onnx.OpsetId.newBuilder().setDomain("").setVersion(opset));
        extraOpsets.forEach((domain, version) -> model.addOpsetImport(
                        Onnx.OpsetId.newBuilder().setDomain(domain).setVersion(version)));
        return model.setGraph(graph).build().toByteArray();
    }

    private static List<String> split(String names) {
        return names.isEmpty() ? List.of() : List.of(names.split(",", -1));
    }

    private static Onnx.ValueInfo valueInfo(String name, DType dtype, Object... dims) {
        Onnx.Shape.Builder shape = Onnx.Shape.newBuilder();
        for (Object d : dims) {
            if (d instanceof Number n) {
                shape.addDim(Onnx.Shape.Dim.newBuilder().setDimValue(n.longValue()));
            } else {
                shape.addDim(Onnx.Shape.Dim.newBuilder().setDimParam(String.valueOf(d)));
            }
        }
        Onnx.Type.TensorType tt = Onnx.Type.TensorType.newBuilder().setElemType(dtype.onnxCode).setShape(shape).build();
        return Onnx.ValueInfo.newBuilder().setName(name).setType(Onnx.Type.newBuilder().setTensorType(tt)).build();
    }

    /** A float32 TensorProto (raw_data). */
    public static Onnx.Tensor tensor(String name, long[] shape, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return raw(name, DType.FLOAT, shape, b.array());
    }

    /** An int64 TensorProto (raw_data). */
    public static Onnx.Tensor tensor(String name, long[] shape, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return raw(name, DType.INT64, shape, b.array());
    }

    public static Onnx.Tensor raw(String name, DType dtype, long[] shape, byte[] data) {
        Onnx.Tensor.Builder t = Onnx.Tensor.newBuilder().setName(name).setDataType(dtype.onnxCode).setRawData(ByteString.copyFrom(data));
        for (long d : shape) {
            t.addDims(d);
        }
        return t.build();
    }

    /** Adds attributes to one node; {@link #done()} returns to the model. */
    public final class NodeBuilder {
        private final Onnx.Node.Builder node;

        NodeBuilder(String opType, List<String> inputs, List<String> outputs) {
            node = Onnx.Node.newBuilder().setOpType(opType).setName(opType.toLowerCase() + "_" + nodeCount++)
                            .addAllInput(inputs).addAllOutput(outputs);
        }

        public NodeBuilder name(String name) {
            node.setName(name);
            return this;
        }

        public NodeBuilder domain(String domain) {
            node.setDomain(domain);
            return this;
        }

        public NodeBuilder attr(String name, long value) {
            node.addAttribute(Onnx.Attribute.newBuilder().setName(name).setType(Onnx.Attribute.Kind.INT).setI(value));
            return this;
        }

        public NodeBuilder attr(String name, float value) {
            node.addAttribute(Onnx.Attribute.newBuilder().setName(name).setType(Onnx.Attribute.Kind.FLOAT).setF(value));
            return this;
        }

        public NodeBuilder attr(String name, String value) {
            node.addAttribute(Onnx.Attribute.newBuilder().setName(name).setType(Onnx.Attribute.Kind.STRING)
                            .setS(ByteString.copyFromUtf8(value)));
            return this;
        }

        public NodeBuilder attr(String name, Onnx.Tensor value) {
            node.addAttribute(Onnx.Attribute.newBuilder().setName(name).setType(Onnx.Attribute.Kind.TENSOR).setT(value));
            return this;
        }

        public NodeBuilder ints(String name, long... values) {
            Onnx.Attribute.Builder a = Onnx.Attribute.newBuilder().setName(name).setType(Onnx.Attribute.Kind.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            node.addAttribute(a);
            return this;
        }

        public NodeBuilder floats(String name, float... values) {
            Onnx.Attribute.Builder a = Onnx.Attribute.newBuilder().setName(name).setType(Onnx.Attribute.Kind.FLOATS);
            for (float v : values) {
                a.addFloats(v);
            }
            node.addAttribute(a);
            return this;
        }

        public ModelBuilder done() {
            graph.addNode(node);
            return ModelBuilder.this;
        }
    }
}
