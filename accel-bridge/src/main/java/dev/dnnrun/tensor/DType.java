package dev.dnnrun.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Element types of ONNX tensors, with their storage size and element access for the generic (non float32) paths.
 * Codes are the ONNX {@code TensorProto.DataType} numbers. Sub-byte and float8 types are storage-only here.
 */
public enum DType {
    FLOAT(1, 4, "float32"),
    UINT8(2, 1, "uint8"),
    INT8(3, 1, "int8"),
    UINT16(4, 2, "uint16"),
    INT16(5, 2, "int16"),
    INT32(6, 4, "int32"),
    INT64(7, 8, "int64"),
    STRING(8, 0, "string"),
    BOOL(9, 1, "bool"),
    FLOAT16(10, 2, "float16"),
    DOUBLE(11, 8, "float64"),
    UINT32(12, 4, "uint32"),
    UINT64(13, 8, "uint64"),
    BFLOAT16(16, 2, "bfloat16");

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    public final int onnxCode;
    public final int byteSize;
    /** numpy-style name, also what the polyglot API and the launcher print. */
    public final String displayName;

    DType(int onnxCode, int byteSize, String displayName) {
        this.onnxCode = onnxCode;
        this.byteSize = byteSize;
        this.displayName = displayName;
    }

    private static final DType[] BY_CODE = new DType[32];
    static {
        for (DType t : values()) {
            BY_CODE[t.onnxCode] = t;
        }
    }

    /** The type for an ONNX data type code, or null when dnnrun cannot store it. */
    public static DType fromOnnx(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** The type for a display name ("float32") or an ONNX enum name ("FLOAT"), or null. */
    public static DType fromName(String name) {
        for (DType t : values()) {
            if (t.displayName.equalsIgnoreCase(name) || t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        return switch (name.toLowerCase()) {
            case "float", "f32" -> FLOAT;
            case "double", "f64" -> DOUBLE;
            case "half", "f16" -> FLOAT16;
            default -> null;
        };
    }

    /** Name of an ONNX data type code for error messages, also for codes dnnrun cannot store. */
    public static String onnxName(int code) {
        DType t = fromOnnx(code);
        if (t != null) {
            return t.name();
        }
        return switch (code) {
            case 14 -> "COMPLEX64";
            case 15 -> "COMPLEX128";
            case 17 -> "FLOAT8E4M3FN";
            case 18 -> "FLOAT8E4M3FNUZ";
            case 19 -> "FLOAT8E5M2";
            case 20 -> "FLOAT8E5M2FNUZ";
            case 21 -> "UINT4";
            case 22 -> "INT4";
            case 23 -> "FLOAT4E2M1";
            case 24 -> "FLOAT8E8M0";
            case 25 -> "UINT2";
            case 26 -> "INT2";
            default -> "data type " + code;
        };
    }

    public boolean isFloating() {
        return this == FLOAT || this == DOUBLE || this == FLOAT16 || this == BFLOAT16;
    }

    public boolean isInteger() {
        return !isFloating() && this != STRING && this != BOOL;
    }

    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    public boolean isNumeric() {
        return this != STRING && this != BOOL;
    }

    /** Element {@code i} as a double (integers exact up to 2^53; uint64 read as unsigned). */
    public double getDouble(MemorySegment s, long i) {
        return switch (this) {
            case FLOAT -> s.get(F32, i * 4);
            case DOUBLE -> s.get(F64, i * 8);
            case FLOAT16 -> Float.float16ToFloat(s.get(I16, i * 2));
            case BFLOAT16 -> Float.intBitsToFloat((s.get(I16, i * 2) & 0xffff) << 16);
            case UINT64 -> {
                long v = s.get(I64, i * 8);
                yield v >= 0 ? (double) v : ((double) (v >>> 1)) * 2.0 + (v & 1);
            }
            default -> getLong(s, i);
        };
    }

    /** Element {@code i} as a long (floating values truncated toward zero, as ONNX Cast does). */
    public long getLong(MemorySegment s, long i) {
        return switch (this) {
            case UINT8 -> s.get(ValueLayout.JAVA_BYTE, i) & 0xffL;
            case INT8 -> s.get(ValueLayout.JAVA_BYTE, i);
            case BOOL -> s.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
            case UINT16 -> s.get(I16, i * 2) & 0xffffL;
            case INT16 -> s.get(I16, i * 2);
            case INT32 -> s.get(I32, i * 4);
            case UINT32 -> s.get(I32, i * 4) & 0xffffffffL;
            case INT64, UINT64 -> s.get(I64, i * 8);
            case STRING -> throw new UnsupportedOperationException("string tensors have no numeric elements");
            default -> (long) getDouble(s, i);
        };
    }

    public void setDouble(MemorySegment s, long i, double v) {
        switch (this) {
            case FLOAT -> s.set(F32, i * 4, (float) v);
            case DOUBLE -> s.set(F64, i * 8, v);
            case FLOAT16 -> s.set(I16, i * 2, Float.floatToFloat16((float) v));
            case BFLOAT16 -> s.set(I16, i * 2, floatToBfloat16((float) v));
            case BOOL -> s.set(ValueLayout.JAVA_BYTE, i, (byte) (v != 0 ? 1 : 0));
            case UINT64 -> s.set(I64, i * 8, doubleToUnsignedLong(v));
            case STRING -> throw new UnsupportedOperationException("string tensors have no numeric elements");
            default -> setLong(s, i, (long) v);
        }
    }

    /** Stores {@code v}, wrapping integers to the type's width as C casts do. */
    public void setLong(MemorySegment s, long i, long v) {
        switch (this) {
            case UINT8, INT8 -> s.set(ValueLayout.JAVA_BYTE, i, (byte) v);
            case BOOL -> s.set(ValueLayout.JAVA_BYTE, i, (byte) (v != 0 ? 1 : 0));
            case UINT16, INT16 -> s.set(I16, i * 2, (short) v);
            case INT32, UINT32 -> s.set(I32, i * 4, (int) v);
            case INT64, UINT64 -> s.set(I64, i * 8, v);
            case STRING -> throw new UnsupportedOperationException("string tensors have no numeric elements");
            default -> setDouble(s, i, v);
        }
    }

    private static short floatToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1); // round to nearest even
        return (short) ((bits + rounding) >>> 16);
    }

    private static long doubleToUnsignedLong(double v) {
        if (v < 9.223372036854775807E18) {
            return (long) v;
        }
        return ((long) (v / 2)) << 1;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
