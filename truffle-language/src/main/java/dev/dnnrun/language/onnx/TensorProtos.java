package dev.dnnrun.language.onnx;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.arrow.memory.BufferAllocator;

import com.google.protobuf.ByteString;

import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.onnx.proto.Onnx;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** Decodes ONNX TensorProto messages (raw_data, typed fields or external data) into Arrow-backed tensors. */
public final class TensorProtos {
    private TensorProtos() {
    }

    /**
     * Decodes {@code proto}; {@code modelDir} resolves external data (null when the model came from memory).
     * Problems are thrown as OperatorException with a message naming the tensor.
     */
    public static Tensor decode(Onnx.Tensor proto, Path modelDir, BufferAllocator allocator) {
        String what = "tensor '" + proto.getName() + "'";
        DType dtype = DType.fromOnnx(proto.getDataType());
        if (dtype == null) {
            throw new OperatorException(what + " has unsupported data type " + DType.onnxName(proto.getDataType()));
        }
        long[] shape = new long[proto.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = proto.getDims(i);
            if (shape[i] < 0) {
                throw new OperatorException(what + " has negative dimension " + shape[i]);
            }
        }
        long count = Tensor.elementCount(shape);
        if (dtype == DType.STRING) {
            if (proto.getStringDataCount() != count) {
                throw new OperatorException(what + " has " + proto.getStringDataCount() + " strings for shape "
                                + java.util.Arrays.toString(shape));
            }
            String[] s = new String[(int) count];
            for (int i = 0; i < s.length; i++) {
                s[i] = proto.getStringData(i).toStringUtf8();
            }
            return Tensor.ofStrings(shape, s);
        }
        Tensor t = Tensor.allocate(allocator, dtype, shape);
        try {
            if (proto.getDataLocation() == Onnx.Tensor.Location.EXTERNAL) {
                readExternal(proto, modelDir, t, what);
            } else if (proto.hasRawData()) {
                copyRaw(proto.getRawData(), t, what);
            } else {
                copyTyped(proto, t, what);
            }
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private static void copyRaw(ByteString raw, Tensor t, String what) {
        if (raw.size() != t.byteSize()) {
            throw new OperatorException(what + " raw_data holds " + raw.size() + " bytes, " + t.dtype() + t.shapeString()
                            + " needs " + t.byteSize());
        }
        if (t.byteSize() > 0) {
            MemorySegment.copy(MemorySegment.ofBuffer(raw.asReadOnlyByteBuffer()), 0, t.segment(), 0, t.byteSize());
        }
    }

    private static void copyTyped(Onnx.Tensor p, Tensor t, String what) {
        long n = t.elementCount();
        DType d = t.dtype();
        MemorySegment s = t.segment();
        switch (d) {
            case FLOAT -> {
                checkCount(p.getFloatDataCount(), n, what, "float_data");
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i * 4L, p.getFloatData(i));
                }
            }
            case DOUBLE -> {
                checkCount(p.getDoubleDataCount(), n, what, "double_data");
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, i * 8L, p.getDoubleData(i));
                }
            }
            case INT64 -> {
                checkCount(p.getInt64DataCount(), n, what, "int64_data");
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_LONG_UNALIGNED, i * 8L, p.getInt64Data(i));
                }
            }
            case UINT32, UINT64 -> {
                checkCount(p.getUint64DataCount(), n, what, "uint64_data");
                for (int i = 0; i < n; i++) {
                    d.setLong(s, i, p.getUint64Data(i));
                }
            }
            case FLOAT16, BFLOAT16 -> {
                // int32_data holds the 16-bit patterns
                checkCount(p.getInt32DataCount(), n, what, "int32_data");
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_SHORT_UNALIGNED, i * 2L, (short) p.getInt32Data(i));
                }
            }
            default -> {
                checkCount(p.getInt32DataCount(), n, what, "int32_data");
                for (int i = 0; i < n; i++) {
                    d.setLong(s, i, p.getInt32Data(i));
                }
            }
        }
    }

    private static void checkCount(int have, long need, String what, String field) {
        if (have != need) {
            throw new OperatorException(what + " has " + have + " values in " + field + ", its shape needs " + need);
        }
    }

    /** Reads external data, refusing locations outside the model's folder (ExternalDataSecurity). */
    private static void readExternal(Onnx.Tensor p, Path modelDir, Tensor t, String what) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (Onnx.KeyValue kv : p.getExternalDataList()) {
            switch (kv.getKey()) {
                case "location" -> location = kv.getValue();
                case "offset" -> offset = parseLong(kv.getValue(), what, "offset");
                case "length" -> length = parseLong(kv.getValue(), what, "length");
                default -> {
                }
            }
        }
        if (location == null || location.isEmpty()) {
            throw new OperatorException(what + " is stored externally but names no location");
        }
        if (modelDir == null) {
            throw new OperatorException(what + " is stored in external file '" + location
                            + "', which cannot be found for a model loaded from memory; load it from its file");
        }
        Path file = resolveInside(modelDir, location, what);
        long need = t.byteSize();
        if (length >= 0 && length != need) {
            throw new OperatorException(what + " external length " + length + " does not match " + need + " bytes of "
                            + t.dtype() + t.shapeString());
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            if (offset < 0 || offset + need > raf.length()) {
                throw new OperatorException(what + " external data [" + offset + ", " + (offset + need) + ") lies beyond the end of '"
                                + location + "' (" + raf.length() + " bytes)");
            }
            byte[] chunk = new byte[(int) Math.min(need, 1 << 20)];
            long done = 0;
            raf.seek(offset);
            while (done < need) {
                int len = (int) Math.min(chunk.length, need - done);
                raf.readFully(chunk, 0, len);
                MemorySegment.copy(MemorySegment.ofArray(chunk), 0, t.segment(), done, len);
                done += len;
            }
        } catch (IOException e) {
            throw new OperatorException(what + " external data file '" + location + "' cannot be read: " + e.getMessage());
        }
    }

    static Path resolveInside(Path modelDir, String location, String what) {
        Path rel = Path.of(location);
        if (rel.isAbsolute()) {
            throw new OperatorException(what + " external location '" + location + "' is an absolute path; only paths inside the model's folder are allowed");
        }
        Path base = modelDir.toAbsolutePath().normalize();
        Path file = base.resolve(rel).normalize();
        if (!file.startsWith(base)) {
            throw new OperatorException(what + " external location '" + location + "' escapes the model's folder");
        }
        if (!Files.isRegularFile(file)) {
            throw new OperatorException(what + " external data file '" + location + "' is missing (looked in " + base + ")");
        }
        try {
            if (!file.toRealPath().startsWith(base.toRealPath())) {
                throw new OperatorException(what + " external location '" + location + "' links outside the model's folder");
            }
        } catch (IOException e) {
            throw new OperatorException(what + " external data file '" + location + "' cannot be resolved: " + e.getMessage());
        }
        return file;
    }

    private static long parseLong(String v, String what, String key) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new OperatorException(what + " external " + key + " '" + v + "' is not a number");
        }
    }

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("dnnrun reads ONNX raw_data as little-endian and needs a little-endian host");
        }
    }
}
