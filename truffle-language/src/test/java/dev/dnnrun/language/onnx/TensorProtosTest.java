package dev.dnnrun.language.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;

import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.onnx.proto.Onnx;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

class TensorProtosTest {
    private final BufferAllocator allocator = new RootAllocator();

    @AfterEach
    void noLeaks() {
        assertEquals(0, allocator.getAllocatedMemory(), "tensor memory leaked");
        allocator.close();
    }

    private static Onnx.Tensor.Builder proto(DType dtype, long... dims) {
        Onnx.Tensor.Builder b = Onnx.Tensor.newBuilder().setName("t").setDataType(dtype.onnxCode);
        for (long d : dims) {
            b.addDims(d);
        }
        return b;
    }

    @Test
    void typedFieldsOfEachKind() {
        try (Tensor f = TensorProtos.decode(proto(DType.FLOAT, 2).addFloatData(1.5f).addFloatData(-2f).build(), null, allocator);
             Tensor i8 = TensorProtos.decode(proto(DType.INT8, 3).addInt32Data(-128).addInt32Data(0).addInt32Data(127).build(), null, allocator);
             Tensor u8 = TensorProtos.decode(proto(DType.UINT8, 1).addInt32Data(255).build(), null, allocator);
             Tensor b = TensorProtos.decode(proto(DType.BOOL, 2).addInt32Data(1).addInt32Data(0).build(), null, allocator);
             Tensor i64 = TensorProtos.decode(proto(DType.INT64).addInt64Data(Long.MIN_VALUE).build(), null, allocator);
             Tensor u64 = TensorProtos.decode(proto(DType.UINT64, 1).addUint64Data(-1L).build(), null, allocator);
             Tensor d = TensorProtos.decode(proto(DType.DOUBLE, 1).addDoubleData(Math.PI).build(), null, allocator);
             Tensor h = TensorProtos.decode(proto(DType.FLOAT16, 1).addInt32Data(Float.floatToFloat16(0.5f)).build(), null, allocator)) {
            assertArrayEquals(new float[]{1.5f, -2f}, f.toFloatArray());
            assertArrayEquals(new long[]{-128, 0, 127}, i8.toLongArray());
            assertEquals(255, u8.getLong(0));
            assertArrayEquals(new long[]{1, 0}, b.toLongArray());
            assertEquals(0, i64.rank(), "a scalar has rank 0");
            assertEquals(Long.MIN_VALUE, i64.getLong(0));
            assertEquals(-1L, u64.getLong(0));
            assertEquals(Math.PI, d.getDouble(0));
            assertEquals(0.5, h.getDouble(0));
        }
    }

    @Test
    void float8Int32DataHoldsBitPatterns() {
        // 0x38 is 1.0 in E4M3FN, 0xc0 is -2.0 in E5M2: int32_data carries the codes, not the values
        try (Tensor e4 = TensorProtos.decode(proto(DType.FLOAT8E4M3FN, 2).addInt32Data(0x38).addInt32Data(0).build(), null, allocator);
             Tensor e5 = TensorProtos.decode(proto(DType.FLOAT8E5M2, 1).addInt32Data(0xc0).build(), null, allocator)) {
            assertEquals(1.0, e4.getDouble(0));
            assertEquals(0.0, e4.getDouble(1));
            assertEquals(-2.0, e5.getDouble(0));
        }
    }

    @Test
    void rawDataAndStrings() {
        byte[] raw = {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, (byte) 0xc0}; // 1.0f, -2.0f little-endian
        try (Tensor f = TensorProtos.decode(proto(DType.FLOAT, 1, 2).setRawData(ByteString.copyFrom(raw)).build(), null, allocator);
             Tensor s = TensorProtos.decode(proto(DType.STRING, 2).addStringData(ByteString.copyFromUtf8("a"))
                             .addStringData(ByteString.copyFromUtf8("β")).build(), null, allocator)) {
            assertArrayEquals(new float[]{1f, -2f}, f.toFloatArray());
            assertArrayEquals(new String[]{"a", "β"}, s.strings());
        }
    }

    @Test
    void sizeMismatchesAndUnsupportedTypesAreReported() {
        OperatorException short1 = assertThrows(OperatorException.class,
                        () -> TensorProtos.decode(proto(DType.FLOAT, 3).addFloatData(1).build(), null, allocator));
        assertTrue(short1.getMessage().contains("tensor 't' has 1 values in float_data, its shape needs 3"), short1.getMessage());
        OperatorException raw = assertThrows(OperatorException.class,
                        () -> TensorProtos.decode(proto(DType.INT32, 2).setRawData(ByteString.copyFrom(new byte[5])).build(), null, allocator));
        assertTrue(raw.getMessage().contains("raw_data holds 5 bytes"), raw.getMessage());
        OperatorException complex = assertThrows(OperatorException.class,
                        () -> TensorProtos.decode(Onnx.Tensor.newBuilder().setName("c").setDataType(14).build(), null, allocator));
        assertTrue(complex.getMessage().contains("unsupported data type COMPLEX64"), complex.getMessage());
    }
}
