package dev.dnnrun.accel.backends.onnxruntime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.google.protobuf.CodedOutputStream;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Writes a {@link Segment} as a standalone ONNX model: graph inputs and outputs with the segment's concrete types,
 * one node per operator, the constants its operators read as initializers (raw little-endian bytes), and one opset
 * import per domain at the highest version its operators were loaded with. Field numbers follow onnx.proto; nested
 * messages are written to byte arrays first because protobuf prefixes them with their length.
 */
final class OnnxModelWriter {
    /** IR version 10 (ONNX 1.16): old enough for any ONNX Runtime we ship with, new enough for every field we write. */
    static final long IR_VERSION = 10;

    // AttributeProto.AttributeType
    private static final int ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3, ATTR_TENSOR = 4, ATTR_FLOATS = 6,
                    ATTR_INTS = 7, ATTR_STRINGS = 8;

    private OnnxModelWriter() {
    }

    /** The serialized ModelProto. Throws IllegalArgumentException for an attribute value it cannot express. */
    static byte[] write(Segment segment) {
        return message(out -> {
            out.writeInt64(1, IR_VERSION);
            out.writeString(2, "dnnrun");
            for (Map.Entry<String, Integer> e : opsetImports(segment).entrySet()) {
                out.writeByteArray(8, message(o -> {
                    o.writeString(1, e.getKey());
                    o.writeInt64(2, e.getValue());
                }));
            }
            out.writeByteArray(7, graph(segment));
        });
    }

    /** Domain ("" = ai.onnx) to the highest opset version among the segment's operators of that domain. */
    static Map<String, Integer> opsetImports(Segment segment) {
        Map<String, Integer> imports = new TreeMap<>();
        for (OpView op : segment.ops()) {
            String domain = normalDomain(op.domain());
            imports.merge(domain, op.opsetVersion(), Math::max);
        }
        return imports;
    }

    static String normalDomain(String domain) {
        return domain == null || domain.equals("ai.onnx") ? "" : domain;
    }

    private static byte[] graph(Segment segment) {
        return message(out -> {
            for (OpView op : segment.ops()) {
                out.writeByteArray(1, node(op));
            }
            out.writeString(2, "segment_" + segment.id());
            // Only the constants some operator reads: a segment may be handed a larger map.
            Set<String> used = new LinkedHashSet<>();
            for (OpView op : segment.ops()) {
                for (String in : op.inputs()) {
                    if (!in.isEmpty() && segment.constants().containsKey(in)) {
                        used.add(in);
                    }
                }
            }
            for (String name : used) {
                out.writeByteArray(5, tensor(name, segment.constants().get(name)));
            }
            for (int i = 0; i < segment.inputs().size(); i++) {
                out.writeByteArray(11, valueInfo(segment.inputs().get(i), segment.inputTypes().get(i)));
            }
            for (int i = 0; i < segment.outputs().size(); i++) {
                out.writeByteArray(12, valueInfo(segment.outputs().get(i), segment.outputTypes().get(i)));
            }
        });
    }

    private static byte[] node(OpView op) {
        return message(out -> {
            for (String in : op.inputs()) {
                out.writeString(1, in);
            }
            for (String o : op.outputs()) {
                out.writeString(2, o);
            }
            if (op.name() != null && !op.name().isEmpty()) {
                out.writeString(3, op.name());
            }
            out.writeString(4, op.opType());
            String domain = normalDomain(op.domain());
            if (!domain.isEmpty()) {
                out.writeString(7, domain);
            }
            // Sorted so that the same segment always gives the same bytes.
            for (Map.Entry<String, Object> a : new TreeMap<>(op.attributes()).entrySet()) {
                out.writeByteArray(5, attribute(op, a.getKey(), a.getValue()));
            }
        });
    }

    private static byte[] attribute(OpView op, String name, Object value) {
        return message(out -> {
            out.writeString(1, name);
            switch (value) {
                case Long l -> {
                    out.writeInt32(20, ATTR_INT);
                    out.writeInt64(3, l);
                }
                case Double d -> {
                    out.writeInt32(20, ATTR_FLOAT);
                    out.writeFloat(2, d.floatValue());
                }
                case String s -> {
                    out.writeInt32(20, ATTR_STRING);
                    out.writeString(4, s);
                }
                case long[] ints -> {
                    out.writeInt32(20, ATTR_INTS);
                    for (long v : ints) {
                        out.writeInt64(8, v);
                    }
                }
                case double[] floats -> {
                    out.writeInt32(20, ATTR_FLOATS);
                    for (double v : floats) {
                        out.writeFloat(7, (float) v);
                    }
                }
                case String[] strings -> {
                    out.writeInt32(20, ATTR_STRINGS);
                    for (String v : strings) {
                        out.writeString(9, v);
                    }
                }
                case Tensor t -> {
                    out.writeInt32(20, ATTR_TENSOR);
                    out.writeByteArray(5, tensor("", t));
                }
                default -> throw new IllegalArgumentException(op.describe() + ": attribute '" + name
                                + "' has a value of type " + value.getClass().getSimpleName()
                                + " that the ONNX writer cannot express");
            }
        });
    }

    /** A TensorProto: dims, data type, name, then the data as raw bytes (strings as string_data). */
    static byte[] tensor(String name, Tensor t) {
        return message(out -> {
            for (long d : t.shape()) {
                out.writeInt64(1, d);
            }
            out.writeInt32(2, t.dtype().onnxCode);
            if (!name.isEmpty()) {
                out.writeString(8, name);
            }
            if (t.dtype() == DType.STRING) {
                for (String s : t.strings()) {
                    out.writeString(6, s);
                }
            } else if (t.byteSize() > 0) {
                // Tensor memory is little-endian, like raw_data; ByteBuffer view avoids a heap copy of the data.
                MemorySegment data = t.segment();
                out.writeTag(9, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(Math.toIntExact(t.byteSize()));
                out.writeRawBytes(data.asByteBuffer());
            }
        });
    }

    private static byte[] valueInfo(String name, TensorType type) {
        return message(out -> {
            out.writeString(1, name);
            out.writeByteArray(2, message(tp -> tp.writeByteArray(1, message(tt -> {
                tt.writeInt32(1, type.dtype().onnxCode);
                tt.writeByteArray(2, message(shape -> {
                    for (long d : type.shape()) {
                        shape.writeByteArray(1, message(dim -> dim.writeInt64(1, d)));
                    }
                }));
            }))));
        });
    }

    @FunctionalInterface
    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            body.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
