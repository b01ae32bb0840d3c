package dev.dnnrun.launcher;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.graalvm.polyglot.Value;

/**
 * Tensor element encoding by dtype name, as the polyglot API shows it ("float32", "int64", ...): writing generated
 * inputs and reading outputs through the tensor's interop buffer (little-endian bytes, read in bulk).
 */
final class Elements {
    private static final int CHUNK = 1 << 20;

    private Elements() {
    }

    /** Bytes per element, or 0 for dtypes read and written another way (strings) or unknown. */
    static int byteSize(String dtype) {
        return switch (dtype) {
            case "float64", "int64", "uint64" -> 8;
            case "float32", "int32", "uint32" -> 4;
            case "float16", "bfloat16", "int16", "uint16" -> 2;
            case "int8", "uint8", "bool" -> 1;
            default -> 0;
        };
    }

    /** Appends generated element {@code i} of {@code n}: floats i/n, bools i % 2, integers i % 10. */
    static void put(ByteBuffer b, String dtype, int i, int n) {
        float f = (float) i / n;
        switch (dtype) {
            case "float32" -> b.putFloat(f);
            case "float64" -> b.putDouble((double) i / n);
            case "float16" -> b.putShort(Float.floatToFloat16(f));
            case "bfloat16" -> {
                int bits = Float.floatToRawIntBits(f);
                b.putShort((short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16)); // round to nearest even
            }
            case "bool" -> b.put((byte) (i % 2));
            default -> {
                long v = i % 10;
                switch (byteSize(dtype)) {
                    case 1 -> b.put((byte) v);
                    case 2 -> b.putShort((short) v);
                    case 4 -> b.putInt((int) v);
                    default -> b.putLong(v);
                }
            }
        }
    }

    /** Element at byte {@code p} as a double (unsigned types read as unsigned). */
    static double get(ByteBuffer b, String dtype, int p) {
        return switch (dtype) {
            case "float32" -> b.getFloat(p);
            case "float64" -> b.getDouble(p);
            case "float16" -> Float.float16ToFloat(b.getShort(p));
            case "bfloat16" -> Float.intBitsToFloat((b.getShort(p) & 0xffff) << 16);
            case "int8" -> b.get(p);
            case "uint8" -> b.get(p) & 0xff;
            case "bool" -> b.get(p) != 0 ? 1 : 0;
            case "int16" -> b.getShort(p);
            case "uint16" -> b.getShort(p) & 0xffff;
            case "int32" -> b.getInt(p);
            case "uint32" -> b.getInt(p) & 0xffffffffL;
            case "int64" -> b.getLong(p);
            case "uint64" -> {
                long v = b.getLong(p);
                yield v >= 0 ? (double) v : (double) (v >>> 1) * 2.0 + (v & 1);
            }
            default -> throw new IllegalArgumentException(dtype);
        };
    }

    static String format(double v, String dtype) {
        return switch (dtype) {
            case "float32", "float16", "bfloat16" -> Float.toString((float) v);
            case "float64" -> Double.toString(v);
            case "bool" -> v != 0 ? "true" : "false";
            case "uint64" -> v >= 0x1p63 ? Long.toUnsignedString((long) (v - 0x1p63) + Long.MIN_VALUE) : Long.toString((long) v);
            default -> Long.toString((long) v);
        };
    }

    /** The first values (formatted) and, for numeric tensors, the sum of the elements and of their absolute values. */
    record Summary(List<String> first, double sum, double absSum, boolean hasSums) {
    }

    static Summary summarize(Value tensor, String dtype, int show) {
        List<String> first = new ArrayList<>();
        int size = byteSize(dtype);
        if (size == 0 || !tensor.hasBufferElements()) {
            // strings (no byte view): the flat array elements, no sums
            long n = Math.min(show, tensor.getArraySize());
            for (long i = 0; i < n; i++) {
                first.add(tensor.getArrayElement(i).toString());
            }
            return new Summary(first, 0, 0, false);
        }
        long bytes = tensor.getBufferSize();
        byte[] chunk = new byte[(int) Math.min(bytes, CHUNK)];
        ByteBuffer view = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        double sum = 0;
        double absSum = 0;
        for (long offset = 0; offset < bytes; offset += chunk.length) {
            int len = (int) Math.min(chunk.length, bytes - offset);
            tensor.readBuffer(offset, chunk, 0, len);
            for (int p = 0; p < len; p += size) {
                double v = get(view, dtype, p);
                sum += v;
                absSum += Math.abs(v);
                if (first.size() < show) {
                    first.add(format(v, dtype));
                }
            }
        }
        return new Summary(first, sum, absSum, true);
    }
}
