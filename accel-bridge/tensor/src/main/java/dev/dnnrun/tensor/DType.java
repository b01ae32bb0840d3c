package dev.dnnrun.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Element types of ONNX tensors, with their storage size and element access for the generic (non float32) paths.
 * Codes are the ONNX {@code TensorProto.DataType} numbers. Sub-byte types cannot be stored. The float8 types are
 * stored one byte per element and only converted (Cast/CastLike) or moved, so they are neither floating, integer nor
 * numeric here: operators that check those predicates reject them instead of computing with the wrong rules.
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
    BFLOAT16(16, 2, "bfloat16"),
    FLOAT8E4M3FN(17, 1, "float8e4m3fn"),
    FLOAT8E4M3FNUZ(18, 1, "float8e4m3fnuz"),
    FLOAT8E5M2(19, 1, "float8e5m2"),
    FLOAT8E5M2FNUZ(20, 1, "float8e5m2fnuz"),
    FLOAT8E8M0(24, 1, "float8e8m0");

    /** How a value between two powers of two becomes a FLOAT8E8M0 (Cast's {@code round_mode}). */
    public enum E8M0Rounding {
        /** away from zero, the default */
        UP,
        /** toward zero */
        DOWN,
        /** to the nearer power of two, ties up */
        NEAREST
    }

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
            case 21 -> "UINT4";
            case 22 -> "INT4";
            case 23 -> "FLOAT4E2M1";
            case 25 -> "UINT2";
            case 26 -> "INT2";
            default -> "data type " + code;
        };
    }

    public boolean isFloating() {
        return this == FLOAT || this == DOUBLE || this == FLOAT16 || this == BFLOAT16;
    }

    public boolean isInteger() {
        return !isFloating() && !isFloat8() && this != STRING && this != BOOL;
    }

    /** One of the one-byte float formats (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0). */
    public boolean isFloat8() {
        return this == FLOAT8E4M3FN || this == FLOAT8E4M3FNUZ || this == FLOAT8E5M2 || this == FLOAT8E5M2FNUZ
                        || this == FLOAT8E8M0;
    }

    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    public boolean isNumeric() {
        return this != STRING && this != BOOL && !isFloat8();
    }

    /** Element {@code i} as a double (integers exact up to 2^53; uint64 read as unsigned). */
    public double getDouble(MemorySegment s, long i) {
        return switch (this) {
            case FLOAT -> s.get(F32, i * 4);
            case DOUBLE -> s.get(F64, i * 8);
            case FLOAT16 -> Float.float16ToFloat(s.get(I16, i * 2));
            case BFLOAT16 -> Float.intBitsToFloat((s.get(I16, i * 2) & 0xffff) << 16);
            case FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ, FLOAT8E8M0 ->
                    decodeFloat8(s.get(ValueLayout.JAVA_BYTE, i) & 0xff);
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

    /** Stores {@code v}; float8 types round to nearest even and saturate, as Cast does by default. */
    public void setDouble(MemorySegment s, long i, double v) {
        switch (this) {
            case FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ, FLOAT8E8M0 ->
                    s.set(ValueLayout.JAVA_BYTE, i, (byte) encodeFloat8(v, true, E8M0Rounding.UP));
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

    /**
     * The float8 bit pattern for {@code v}. With {@code saturate}, infinities and values beyond the largest finite one
     * become that largest value; without, they become infinity (E5M2) or NaN. {@code e8m0} only matters for FLOAT8E8M0.
     */
    public int encodeFloat8(double v, boolean saturate, E8M0Rounding e8m0) {
        if (this == FLOAT8E8M0) {
            return encodeE8M0(v, saturate, e8m0);
        }
        boolean fnuz = this == FLOAT8E4M3FNUZ || this == FLOAT8E5M2FNUZ;
        int sign = (Double.doubleToRawLongBits(v) < 0) ? 0x80 : 0;
        if (Double.isNaN(v)) {
            return fnuz ? 0x80 : sign | 0x7f;
        }
        double[] table = F8_POSITIVE[ordinal() - FLOAT8E4M3FN.ordinal()];
        int max = table.length - 2; // the last entry is the value one step beyond the largest finite one
        double a = Math.abs(v);
        int code;
        if (a >= table[max + 1]) {
            code = max + 1;
        } else {
            int lo = 0;
            int hi = max + 1;
            while (hi - lo > 1) { // table[lo] <= a < table[hi]
                int mid = (lo + hi) >>> 1;
                if (table[mid] <= a) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            double below = a - table[lo];
            double above = table[hi] - a;
            code = below < above || (below == above && (lo & 1) == 0) ? lo : hi; // ties to the even mantissa
        }
        if (code > max) {
            if (saturate) {
                code = max;
            } else if (this == FLOAT8E5M2) {
                return sign | 0x7c;
            } else {
                return fnuz ? 0x80 : sign | 0x7f;
            }
        }
        if (fnuz && code == 0) {
            return 0; // no negative zero: 0x80 is NaN
        }
        return sign | code;
    }

    private static int encodeE8M0(double v, boolean saturate, E8M0Rounding mode) {
        if (Double.isNaN(v)) {
            return 0xff;
        }
        double a = Math.abs(v); // negative values are undefined by ONNX; use the magnitude
        int e;
        if (a == 0 || a < 0x1p-1000) {
            e = Integer.MIN_VALUE;
        } else if (Double.isInfinite(a)) {
            e = Integer.MAX_VALUE;
        } else {
            e = Math.getExponent(a);
            double mantissa = a / Math.scalb(1.0, e); // in [1, 2)
            if (mantissa > 1 && (mode == E8M0Rounding.UP || (mode == E8M0Rounding.NEAREST && mantissa >= 1.5))) {
                e++;
            }
        }
        if (e > 127) {
            return saturate ? 0xfe : 0xff;
        }
        if (e < -127) {
            return saturate ? 0x00 : 0xff;
        }
        return e + 127;
    }

    private double decodeFloat8(int b) {
        if (this == FLOAT8E8M0) {
            return b == 0xff ? Double.NaN : Math.scalb(1.0, b - 127);
        }
        int mantissaBits = this == FLOAT8E4M3FN || this == FLOAT8E4M3FNUZ ? 3 : 2;
        int bias = switch (this) {
            case FLOAT8E4M3FN -> 7;
            case FLOAT8E4M3FNUZ -> 8;
            case FLOAT8E5M2 -> 15;
            default -> 16;
        };
        int exponentMask = (0x7f >> mantissaBits);
        int e = (b >> mantissaBits) & exponentMask;
        int m = b & ((1 << mantissaBits) - 1);
        double sign = (b & 0x80) != 0 ? -1 : 1;
        switch (this) {
            case FLOAT8E4M3FN -> {
                if ((b & 0x7f) == 0x7f) {
                    return Double.NaN;
                }
            }
            case FLOAT8E5M2 -> {
                if (e == exponentMask) {
                    return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
                }
            }
            default -> {
                if (b == 0x80) {
                    return Double.NaN;
                }
            }
        }
        if (e == 0) {
            return sign * Math.scalb((double) m, 1 - bias - mantissaBits);
        }
        return sign * Math.scalb((double) ((1 << mantissaBits) | m), e - bias - mantissaBits);
    }

    /**
     * Per float8 type (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ): the values of codes 0 up to the largest finite one, which rise
     * with the code, then the value one step beyond it, which rounding compares against to detect overflow.
     */
    private static final double[][] F8_POSITIVE = {
        positiveTable(FLOAT8E4M3FN, 0x7e), positiveTable(FLOAT8E4M3FNUZ, 0x7f),
        positiveTable(FLOAT8E5M2, 0x7b), positiveTable(FLOAT8E5M2FNUZ, 0x7f)};

    private static double[] positiveTable(DType t, int maxCode) {
        double[] v = new double[maxCode + 2];
        for (int c = 0; c <= maxCode; c++) {
            v[c] = t.decodeFloat8(c);
        }
        v[maxCode + 1] = 2 * v[maxCode] - v[maxCode - 1]; // the largest code's binade continued by one step
        return v;
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
