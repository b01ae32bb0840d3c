package dev.dnnrun.language.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.arrow.memory.BufferAllocator;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.onnx.TensorProtos;
import dev.dnnrun.onnx.proto.Onnx;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** Reads tensors from numpy {@code .npy} and ONNX TensorProto {@code .pb} files, and writes {@code .npy}. */
public final class TensorFiles {
    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private TensorFiles() {
    }

    /** Reads a tensor; the file type is decided by content (npy magic) or else taken as a TensorProto. */
    public static Tensor read(Path file, BufferAllocator allocator) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (startsWith(bytes, NPY_MAGIC)) {
            return readNpy(bytes, file, allocator);
        }
        try {
            Onnx.Tensor proto = Onnx.Tensor.parseFrom(bytes);
            return TensorProtos.decode(proto, file.toAbsolutePath().getParent(), allocator);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(file + ": neither a .npy file nor an ONNX TensorProto (" + e.getMessage() + ")");
        } catch (OperatorException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    static Tensor readNpy(byte[] bytes, Path file, BufferAllocator allocator) throws IOException {
        int major = bytes[6];
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8 | (bytes[10] & 0xff) << 16 | (bytes[11] & 0xff) << 24;
            headerStart = 12;
        } else {
            throw new IOException(file + ": unsupported .npy version " + major);
        }
        String header = new String(bytes, headerStart, headerLen, StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeM = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeM.find()) {
            throw new IOException(file + ": malformed .npy header: " + header.trim());
        }
        if (fortran.group(1).equals("True")) {
            throw new IOException(file + ": Fortran-ordered .npy arrays are not supported; save with C order");
        }
        DType dtype = npyType(descr.group(1), file);
        List<Long> dims = new ArrayList<>();
        for (String part : shapeM.group(1).split(",")) {
            if (!part.isBlank()) {
                dims.add(Long.parseLong(part.trim()));
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        int dataStart = headerStart + headerLen;
        long need = Tensor.elementCount(shape) * dtype.byteSize;
        if (bytes.length - dataStart < need) {
            throw new IOException(file + ": holds " + (bytes.length - dataStart) + " data bytes, " + dtype + dims
                            + " needs " + need);
        }
        Tensor t = Tensor.allocate(allocator, dtype, shape);
        MemorySegment.copy(MemorySegment.ofArray(bytes), dataStart, t.segment(), 0, t.byteSize());
        return t;
    }

    private static DType npyType(String descr, Path file) throws IOException {
        boolean bigEndian = descr.startsWith(">") && !descr.endsWith("1");
        if (bigEndian || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IOException(file + ": big-endian .npy data ('" + descr + "') is not supported");
        }
        String code = descr.replaceFirst("^[<>|=]", "");
        return switch (code) {
            case "f4" -> DType.FLOAT;
            case "f8" -> DType.DOUBLE;
            case "f2" -> DType.FLOAT16;
            case "i1" -> DType.INT8;
            case "i2" -> DType.INT16;
            case "i4" -> DType.INT32;
            case "i8" -> DType.INT64;
            case "u1" -> DType.UINT8;
            case "u2" -> DType.UINT16;
            case "u4" -> DType.UINT32;
            case "u8" -> DType.UINT64;
            case "b1", "?" -> DType.BOOL;
            default -> throw new IOException(file + ": .npy dtype '" + descr + "' is not supported");
        };
    }

    private static String npyDescr(DType d) {
        return switch (d) {
            case FLOAT -> "<f4";
            case DOUBLE -> "<f8";
            case FLOAT16 -> "<f2";
            case INT8 -> "|i1";
            case INT16 -> "<i2";
            case INT32 -> "<i4";
            case INT64 -> "<i8";
            case UINT8 -> "|u1";
            case UINT16 -> "<u2";
            case UINT32 -> "<u4";
            case UINT64 -> "<u8";
            case BOOL -> "|b1";
            // numpy has no bfloat16 or float8: store their bit patterns
            case BFLOAT16 -> "<u2";
            case FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ, FLOAT8E8M0 -> "|u1";
            case STRING -> throw new IllegalArgumentException("string tensors cannot be written as .npy");
        };
    }

    /** Writes a tensor as a version 1.0 .npy file. */
    public static void writeNpy(Tensor t, Path file) throws IOException {
        StringBuilder shape = new StringBuilder("(");
        for (int i = 0; i < t.rank(); i++) {
            shape.append(t.dim(i)).append(t.rank() == 1 ? "," : i + 1 < t.rank() ? ", " : "");
        }
        shape.append(')');
        String dict = "{'descr': '" + npyDescr(t.dtype()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = NPY_MAGIC.length + 4 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(NPY_MAGIC);
            out.write(new byte[]{1, 0, (byte) (header.length() & 0xff), (byte) (header.length() >> 8)});
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[(int) Math.min(Math.max(t.byteSize(), 1), 1 << 20)];
            for (long off = 0; off < t.byteSize(); off += chunk.length) {
                int len = (int) Math.min(chunk.length, t.byteSize() - off);
                MemorySegment.copy(t.segment(), off, MemorySegment.ofArray(chunk), 0, len);
                out.write(chunk, 0, len);
            }
        }
    }
}
