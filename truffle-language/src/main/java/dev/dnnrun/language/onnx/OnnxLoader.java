package dev.dnnrun.language.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.arrow.memory.BufferAllocator;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.dnnrun.language.graph.Attribute;
import dev.dnnrun.language.graph.Attributes;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.graph.ValueType;
import dev.dnnrun.language.ops.OperatorRegistry;
import dev.dnnrun.onnx.proto.Onnx;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Reads an ONNX model into a {@link ModelGraph}: checks IR and opset versions, decodes initializers (typed
 * fields, raw data, external data), attributes and declared types, checks that every node's operator exists and
 * accepts its attributes and that every input is defined, and orders the nodes topologically. Every problem found
 * is collected, and all are reported together.
 */
public final class OnnxLoader {
    public static final int MIN_IR_VERSION = 3;
    public static final int MAX_IR_VERSION = 14;

    private final String path;
    private final Path modelDir;
    private final BufferAllocator allocator;
    private final OperatorRegistry registry;
    private final List<String> problems = new ArrayList<>();
    private final List<Tensor> decoded = new ArrayList<>();
    private Map<String, Integer> opsets;

    private OnnxLoader(String path, BufferAllocator allocator, OperatorRegistry registry) {
        this.path = path == null ? "<memory>" : path;
        Path p = path == null ? null : Path.of(path).toAbsolutePath().getParent();
        this.modelDir = p;
        this.allocator = allocator;
        this.registry = registry;
    }

    /** Loads a model from its bytes; {@code path} (may be null) names it in errors and locates external data. */
    public static ModelGraph load(byte[] bytes, String path, BufferAllocator allocator, OperatorRegistry registry)
                    throws ModelLoadException {
        return new OnnxLoader(path, allocator, registry).load(bytes);
    }

    private ModelGraph load(byte[] bytes) throws ModelLoadException {
        Onnx.Model model;
        try {
            model = Onnx.Model.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelLoadException(path, "not a valid ONNX model (malformed protobuf: " + e.getMessage() + ")");
        }
        if (!model.hasGraph()) {
            throw new ModelLoadException(path, "not a valid ONNX model (no graph; " + bytes.length + " bytes read)");
        }
        long ir = model.getIrVersion();
        if (ir < MIN_IR_VERSION || ir > MAX_IR_VERSION) {
            throw new ModelLoadException(path, "unsupported IR version " + ir + " (dnnrun reads " + MIN_IR_VERSION + " to "
                            + MAX_IR_VERSION + ")");
        }
        opsets = new HashMap<>();
        for (Onnx.OpsetId id : model.getOpsetImportList()) {
            String d = id.getDomain().equals("ai.onnx") ? "" : id.getDomain();
            opsets.put(d, (int) id.getVersion());
        }
        Integer onnxOpset = opsets.get("");
        if (onnxOpset != null && onnxOpset > OperatorRegistry.MAX_OPSET) {
            throw new ModelLoadException(path, "unsupported ai.onnx opset " + onnxOpset + " (dnnrun supports up to "
                            + OperatorRegistry.MAX_OPSET + ")");
        }
        ModelGraph graph = convertGraph(model.getGraph(), true);
        if (!problems.isEmpty()) {
            for (Tensor t : decoded) {
                t.close();
            }
            throw new ModelLoadException(path, problems);
        }
        // Everything decoded that is not a top-level initializer (attribute tensors, subgraph initializers) is owned
        // by the graph too, so releasing the model frees it.
        java.util.Set<Tensor> top = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        top.addAll(graph.constants().values());
        List<Tensor> owned = new ArrayList<>();
        for (Tensor t : decoded) {
            if (!top.contains(t)) {
                owned.add(t);
            }
        }
        return graph.withAttributeTensors(owned);
    }

    private ModelGraph convertGraph(Onnx.Graph g, boolean topLevel) {
        Map<String, Tensor> constants = new LinkedHashMap<>();
        Map<String, ValueType> types = new LinkedHashMap<>();
        for (Onnx.Tensor init : g.getInitializerList()) {
            Tensor t = decodeTensor(init, "initializer '" + init.getName() + "'");
            if (t != null) {
                constants.put(init.getName(), t);
                types.put(init.getName(), ValueType.of(t.dtype(), t.shape()));
            }
        }
        if (g.getSparseInitializerCount() > 0) {
            problems.add("sparse initializers are not supported ('" + g.getSparseInitializer(0).getValues().getName() + "')");
        }
        List<String> inputs = new ArrayList<>();
        for (Onnx.ValueInfo vi : g.getInputList()) {
            // Before IR 4, initializers were also listed as inputs; they stay constants.
            if (!constants.containsKey(vi.getName())) {
                inputs.add(vi.getName());
                types.put(vi.getName(), convertType(vi));
            }
        }
        List<String> outputs = new ArrayList<>();
        for (Onnx.ValueInfo vi : g.getOutputList()) {
            outputs.add(vi.getName());
            types.putIfAbsent(vi.getName(), convertType(vi));
        }
        for (Onnx.ValueInfo vi : g.getValueInfoList()) {
            types.putIfAbsent(vi.getName(), convertType(vi));
        }
        List<GraphNode> nodes = new ArrayList<>();
        for (Onnx.Node n : g.getNodeList()) {
            nodes.add(convertNode(n));
        }
        nodes = topologicalOrder(nodes, inputs, constants.keySet(), outputs, topLevel);
        return new ModelGraph(g.getName(), path, nodes, inputs, outputs, constants, types);
    }

    private GraphNode convertNode(Onnx.Node n) {
        String domain = n.getDomain().equals("ai.onnx") ? "" : n.getDomain();
        Integer opset = opsets.get(domain);
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        GraphNode partial = new GraphNode(n.getName(), n.getOpType(), domain, n.getInputList(), n.getOutputList(),
                        Attributes.empty(), opset == null ? 0 : opset);
        for (Onnx.Attribute a : n.getAttributeList()) {
            try {
                attrs.put(a.getName(), convertAttribute(a));
            } catch (OperatorException e) {
                problems.add(describe(partial) + ": attribute '" + a.getName() + "': " + e.getMessage());
            }
        }
        GraphNode node = new GraphNode(n.getName(), n.getOpType(), domain, List.copyOf(n.getInputList()),
                        List.copyOf(n.getOutputList()), new Attributes(attrs), opset == null ? 0 : opset);
        if (opset == null) {
            problems.add(describe(node) + ": the model imports no opset for domain '" + domain + "'");
        } else {
            try {
                registry.create(node);
            } catch (OperatorException e) {
                problems.add(describe(node) + ": " + e.getMessage());
            }
        }
        return node;
    }

    private Attribute convertAttribute(Onnx.Attribute a) {
        Onnx.Attribute.Kind kind = a.hasType() ? a.getType() : guessKind(a);
        String name = a.getName();
        return switch (kind) {
            case INT -> new Attribute(name, Attribute.Kind.INT, a.getI());
            case FLOAT -> new Attribute(name, Attribute.Kind.FLOAT, (double) a.getF());
            case STRING -> new Attribute(name, Attribute.Kind.STRING, a.getS().toStringUtf8());
            case INTS -> new Attribute(name, Attribute.Kind.INTS, a.getIntsList().stream().mapToLong(Long::longValue).toArray());
            case FLOATS -> new Attribute(name, Attribute.Kind.FLOATS, a.getFloatsList().stream().mapToDouble(Float::doubleValue).toArray());
            case STRINGS -> new Attribute(name, Attribute.Kind.STRINGS, a.getStringsList().stream().map(s -> s.toStringUtf8()).toArray(String[]::new));
            case TENSOR -> {
                Tensor t = decodeTensor(a.getT(), "tensor attribute");
                if (t == null) {
                    throw new OperatorException("cannot decode its tensor");
                }
                yield new Attribute(name, Attribute.Kind.TENSOR, t);
            }
            case TENSORS -> {
                List<Tensor> ts = new ArrayList<>();
                for (Onnx.Tensor p : a.getTensorsList()) {
                    ts.add(decodeTensor(p, "tensor attribute"));
                }
                yield new Attribute(name, Attribute.Kind.TENSORS, ts.toArray(new Tensor[0]));
            }
            case GRAPH -> new Attribute(name, Attribute.Kind.GRAPH, convertGraph(a.getG(), false));
            case GRAPHS -> new Attribute(name, Attribute.Kind.GRAPHS,
                            a.getGraphsList().stream().map(gr -> convertGraph(gr, false)).toArray(ModelGraph[]::new));
            case TYPE_PROTO, TYPE_PROTOS -> new Attribute(name, Attribute.Kind.TYPE, a.hasTp() ? a.getTp() : null);
            default -> throw new OperatorException("attribute type " + kind + " is not supported");
        };
    }

    /** IR 1-era files may omit the type field; infer it from which value is set. */
    private static Onnx.Attribute.Kind guessKind(Onnx.Attribute a) {
        if (a.hasF()) {
            return Onnx.Attribute.Kind.FLOAT;
        } else if (a.hasI()) {
            return Onnx.Attribute.Kind.INT;
        } else if (a.hasS()) {
            return Onnx.Attribute.Kind.STRING;
        } else if (a.hasT()) {
            return Onnx.Attribute.Kind.TENSOR;
        } else if (a.hasG()) {
            return Onnx.Attribute.Kind.GRAPH;
        } else if (a.getFloatsCount() > 0) {
            return Onnx.Attribute.Kind.FLOATS;
        } else if (a.getIntsCount() > 0) {
            return Onnx.Attribute.Kind.INTS;
        } else if (a.getStringsCount() > 0) {
            return Onnx.Attribute.Kind.STRINGS;
        }
        return Onnx.Attribute.Kind.UNDEFINED;
    }

    private Tensor decodeTensor(Onnx.Tensor proto, String what) {
        try {
            Tensor t = TensorProtos.decode(proto, modelDir, allocator);
            decoded.add(t);
            return t;
        } catch (OperatorException e) {
            problems.add(what + ": " + e.getMessage());
            return null;
        }
    }

    static ValueType convertType(Onnx.ValueInfo vi) {
        if (!vi.hasType() || !vi.getType().hasTensorType()) {
            return null;
        }
        Onnx.Type.TensorType tt = vi.getType().getTensorType();
        DType dtype = DType.fromOnnx(tt.getElemType());
        if (!tt.hasShape()) {
            return ValueType.unknown(dtype);
        }
        int rank = tt.getShape().getDimCount();
        long[] dims = new long[rank];
        String[] names = new String[rank];
        for (int i = 0; i < rank; i++) {
            Onnx.Shape.Dim d = tt.getShape().getDim(i);
            if (d.hasDimValue() && d.getDimValue() >= 0) {
                dims[i] = d.getDimValue();
            } else {
                dims[i] = ValueType.UNKNOWN;
                names[i] = d.hasDimParam() && !d.getDimParam().isEmpty() ? d.getDimParam() : null;
            }
        }
        return new ValueType(dtype, dims, names);
    }

    /**
     * Orders nodes so each runs after the producers of its inputs, and reports inputs nobody defines. Subgraphs
     * may use values of the enclosing graph, so undefined names are only reported at the top level.
     */
    private List<GraphNode> topologicalOrder(List<GraphNode> nodes, List<String> inputs, Set<String> constants,
                    List<String> outputs, boolean topLevel) {
        Set<String> available = new HashSet<>(inputs);
        available.addAll(constants);
        available.add("");
        Map<String, GraphNode> producer = new HashMap<>();
        for (GraphNode n : nodes) {
            for (String o : n.outputs()) {
                if (!o.isEmpty() && producer.put(o, n) != null) {
                    problems.add(describe(n) + ": output '" + o + "' is also produced by another node");
                }
            }
        }
        List<GraphNode> ordered = new ArrayList<>();
        List<GraphNode> pending = new ArrayList<>(nodes);
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            for (int i = 0; i < pending.size(); i++) {
                GraphNode n = pending.get(i);
                boolean ready = true;
                for (String in : n.inputs()) {
                    if (!available.contains(in) && (producer.containsKey(in) || topLevel)) {
                        ready = false;
                        break;
                    }
                }
                if (ready) {
                    ordered.add(n);
                    available.addAll(n.outputs());
                    pending.remove(i--);
                    progress = true;
                }
            }
        }
        for (GraphNode n : pending) {
            for (String in : n.inputs()) {
                if (!available.contains(in)) {
                    problems.add(describe(n) + ": input '" + in + "' is " + (producer.containsKey(in)
                                    ? "part of a cycle" : "not a graph input, initializer or node output"));
                }
            }
        }
        if (topLevel) {
            for (String o : outputs) {
                if (!available.contains(o) && !producer.containsKey(o)) {
                    problems.add("graph output '" + o + "' is not produced by any node");
                }
            }
        }
        ordered.addAll(pending);
        return ordered;
    }

    public static String describe(GraphNode n) {
        return "node '" + n.displayName() + "' (" + n.qualifiedOp() + ")";
    }
}
