package dev.dnnrun.language.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

class TensorFilesTest {
    private final BufferAllocator allocator = new RootAllocator();
    @TempDir Path dir;

    @AfterEach
    void noLeaks() {
        assertEquals(0, allocator.getAllocatedMemory(), "tensor memory leaked");
        allocator.close();
    }

    @Test
    void npyRoundTripKeepsDtypeShapeAndValues() throws IOException {
        for (DType d : new DType[]{DType.FLOAT, DType.DOUBLE, DType.INT64, DType.INT8, DType.UINT8, DType.BOOL, DType.INT32}) {
            try (Tensor t = Tensor.allocate(allocator, d, 2, 3)) {
                for (int i = 0; i < 6; i++) {
                    d.setLong(t.segment(), i, d == DType.BOOL ? i % 2 : i - 2);
                }
                Path file = dir.resolve(d + ".npy");
                TensorFiles.writeNpy(t, file);
                byte[] bytes = Files.readAllBytes(file);
                assertEquals(0, (bytes.length - 6 * d.byteSize) % 64, "header must pad the data start to 64 bytes");
                try (Tensor back = TensorFiles.read(file, allocator)) {
                    assertEquals(d, back.dtype());
                    assertArrayEquals(new long[]{2, 3}, back.shape());
                    assertArrayEquals(t.toLongArray(), back.toLongArray());
                }
            }
        }
    }

    @Test
    void scalarAndOneDimensionalShapes() throws IOException {
        try (Tensor scalar = Tensor.allocate(allocator, DType.FLOAT); Tensor vec = Tensor.allocate(allocator, DType.FLOAT, 3)) {
            scalar.segment().set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 7f);
            TensorFiles.writeNpy(scalar, dir.resolve("s.npy"));
            TensorFiles.writeNpy(vec, dir.resolve("v.npy"));
            assertTrue(Files.readString(dir.resolve("s.npy"), java.nio.charset.StandardCharsets.ISO_8859_1).contains("'shape': ()"));
            assertTrue(Files.readString(dir.resolve("v.npy"), java.nio.charset.StandardCharsets.ISO_8859_1).contains("'shape': (3,)"));
            try (Tensor s = TensorFiles.read(dir.resolve("s.npy"), allocator); Tensor v = TensorFiles.read(dir.resolve("v.npy"), allocator)) {
                assertEquals(0, s.rank());
                assertEquals(7f, s.getFloat(0));
                assertArrayEquals(new long[]{3}, v.shape());
            }
        }
    }

    @Test
    void readsTensorProtoFiles() throws IOException {
        Path file = dir.resolve("input_0.pb");
        Files.write(file, ModelBuilder.tensor("x", new long[]{2}, 4f, 5f).toByteArray());
        try (Tensor t = TensorFiles.read(file, allocator)) {
            assertArrayEquals(new float[]{4f, 5f}, t.toFloatArray());
        }
    }

    @Test
    void garbageIsReportedWithTheFileName() throws IOException {
        Path file = dir.resolve("junk.bin");
        Files.write(file, new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff});
        IOException e = assertThrows(IOException.class, () -> TensorFiles.read(file, allocator));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }
}
