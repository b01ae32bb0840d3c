package dev.dnnrun.language.onnx;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.arrow.memory.BufferAllocator;

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
        long count;
        try {
            count = Tensor.elementCount(shape);
        } catch (ArithmeticException e) {
            throw new OperatorException(what + " shape " + java.util.Arrays.toString(shape) + " is too large");
        }
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
        long need;
        try {
            need = Math.multiplyExact(count, (long) dtype.byteSize);
        } catch (ArithmeticException e) {
            throw new OperatorException(what + " shape " + java.util.Arrays.toString(shape) + " is too large");
        }
        // Check the stored size against the shape before allocating, so a corrupt shape cannot ask for terabytes.
        Path external = null;
        if (proto.getDataLocation() == Onnx.Tensor.Location.EXTERNAL) {
            external = checkExternal(proto, modelDir, need, what);
        } else if (proto.hasRawData()) {
            if (proto.getRawData().size() != need) {
                throw new OperatorException(what + " raw_data holds " + proto.getRawData().size() + " bytes, " + dtype
                                + java.util.Arrays.toString(shape) + " needs " + need);
            }
        } else {
            checkCount(typedCount(proto, dtype), count, what, typedField(dtype));
        }
        Tensor t = Tensor.allocate(allocator, dtype, shape);
        try {
            if (external != null) {
                readExternal(proto, external, t, what);
            } else if (proto.hasRawData()) {
                if (need > 0) {
                    MemorySegment.copy(MemorySegment.ofBuffer(proto.getRawData().asReadOnlyByteBuffer()), 0, t.segment(), 0, need);
                }
            } else {
                copyTyped(proto, t);
            }
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private static int typedCount(Onnx.Tensor p, DType d) {
        return switch (d) {
            case FLOAT -> p.getFloatDataCount();
            case DOUBLE -> p.getDoubleDataCount();
            case INT64 -> p.getInt64DataCount();
            case UINT32, UINT64 -> p.getUint64DataCount();
            default -> p.getInt32DataCount();
        };
    }

    private static String typedField(DType d) {
        return switch (d) {
            case FLOAT -> "float_data";
            case DOUBLE -> "double_data";
            case INT64 -> "int64_data";
            case UINT32, UINT64 -> "uint64_data";
            default -> "int32_data";
        };
    }

    private static void copyTyped(Onnx.Tensor p, Tensor t) {
        long n = t.elementCount();
        DType d = t.dtype();
        MemorySegment s = t.segment();
        switch (d) {
            case FLOAT -> {
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i * 4L, p.getFloatData(i));
                }
            }
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, i * 8L, p.getDoubleData(i));
                }
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_LONG_UNALIGNED, i * 8L, p.getInt64Data(i));
                }
            }
            case UINT32, UINT64 -> {
                for (int i = 0; i < n; i++) {
                    d.setLong(s, i, p.getUint64Data(i));
                }
            }
            case FLOAT16, BFLOAT16 -> {
                // int32_data holds the 16-bit patterns
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_SHORT_UNALIGNED, i * 2L, (short) p.getInt32Data(i));
                }
            }
            case FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ, FLOAT8E8M0 -> {
                // int32_data holds the 8-bit patterns, not values
                for (int i = 0; i < n; i++) {
                    s.set(ValueLayout.JAVA_BYTE, i, (byte) p.getInt32Data(i));
                }
            }
            default -> {
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

    /** Where external data is, after checking it lies inside the model's folder and holds {@code need} bytes. */
    private static Path checkExternal(Onnx.Tensor p, Path modelDir, long need, String what) {
        String location = externalValue(p, "location");
        long offset = externalLong(p, "offset", 0, what);
        long length = externalLong(p, "length", -1, what);
        if (location == null || location.isEmpty()) {
            throw new OperatorException(what + " is stored externally but names no location");
        }
        if (modelDir == null) {
            throw new OperatorException(what + " is stored in external file '" + location
                            + "', which cannot be found for a model loaded from memory; load it from its file");
        }
        Path file = resolveInside(modelDir, location, what);
        if (length >= 0 && length != need) {
            throw new OperatorException(what + " external length " + length + " does not match the " + need + " bytes its shape needs");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new OperatorException(what + " external data file '" + location + "' cannot be read: " + e.getMessage());
        }
        if (offset < 0 || offset + need > size) {
            throw new OperatorException(what + " external data [" + offset + ", " + (offset + need) + ") lies beyond the end of '"
                            + location + "' (" + size + " bytes)");
        }
        return file;
    }

    private static void readExternal(Onnx.Tensor p, Path file, Tensor t, String what) {
        long offset = externalLong(p, "offset", 0, what);
        long need = t.byteSize();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            byte[] chunk = new byte[(int) Math.max(1, Math.min(need, 1 << 20))];
            long done = 0;
            raf.seek(offset);
            while (done < need) {
                int len = (int) Math.min(chunk.length, need - done);
                raf.readFully(chunk, 0, len);
                MemorySegment.copy(MemorySegment.ofArray(chunk), 0, t.segment(), done, len);
                done += len;
            }
        } catch (IOException e) {
            throw new OperatorException(what + " external data file '" + file.getFileName() + "' cannot be read: " + e.getMessage());
        }
    }

    private static String externalValue(Onnx.Tensor p, String key) {
        for (Onnx.KeyValue kv : p.getExternalDataList()) {
            if (kv.getKey().equals(key)) {
                return kv.getValue();
            }
        }
        return null;
    }

    private static long externalLong(Onnx.Tensor p, String key, long absent, String what) {
        String v = externalValue(p, key);
        if (v == null) {
            return absent;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new OperatorException(what + " external " + key + " '" + v + "' is not a number");
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

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("dnnrun reads ONNX raw_data as little-endian and needs a little-endian host");
        }
    }
}
