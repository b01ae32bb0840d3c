package dev.dnnrun.accel.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.UnsupportedSegmentException;

class GemmTest {

    private static OpView op(String type, List<String> inputs, Map<String, Object> attrs) {
        return new OpView("n", type, "", 13, attrs, inputs, List.of("y"), List.of(), List.of(), Map.of());
    }

    @Test
    void transposedOperandsAreStridesOverTheSameBytes() throws Exception {
        // A stored [4, 3] and transposed: op(A) is [3, 4]; B stored [5, 4] and transposed: op(B) is [4, 5].
        Gemm g = Gemm.of(op("Gemm", List.of("a", "b", "c"), Map.of("transA", 1L, "transB", 1L, "alpha", 0.5, "beta", 2.0)),
                        new long[] { 4, 3 }, new long[] { 5, 4 });
        assertEquals(new Gemm(3, 5, 4, true, true, 0.5f, 2f), g);
        assertArrayEquals(new long[] { 1, 3 }, g.stridesA());
        assertArrayEquals(new long[] { 1, 4 }, g.stridesB());

        Gemm plain = Gemm.of(op("Gemm", List.of("a", "b"), Map.of("beta", 3.0)), new long[] { 3, 4 }, new long[] { 4, 5 });
        assertEquals(new Gemm(3, 5, 4, false, false, 1f, 0f), plain, "beta is 0 without a C");
        assertArrayEquals(new long[] { 4, 1 }, plain.stridesA());
        assertArrayEquals(new long[] { 5, 1 }, plain.stridesB());
    }

    @Test
    void matMulIgnoresGemmAttributesAndUnknownSizesPass() throws Exception {
        Gemm m = Gemm.of(op("MatMul", List.of("a", "b"), Map.of("transA", 1L)), new long[] { -1, 4 }, new long[] { 4, 5 });
        assertEquals(new Gemm(-1, 5, 4, false, false, 1f, 0f), m);
        assertEquals(-1, Gemm.of(op("MatMul", List.of("a", "b"), Map.of()), new long[] { 3, -1 }, new long[] { 4, 5 }).inner());
    }

    @Test
    void declinesOtherRanksAndDisagreeingInnerSizes() {
        OpView gemm = op("Gemm", List.of("a", "b"), Map.of());
        assertEquals("Gemm with inputs of ranks 3 and 2", assertThrows(UnsupportedSegmentException.class,
                        () -> Gemm.of(gemm, new long[] { 1, 3, 4 }, new long[] { 4, 5 })).getMessage());
        assertEquals("Gemm inner dimensions differ: 4 and 6", assertThrows(UnsupportedSegmentException.class,
                        () -> Gemm.of(gemm, new long[] { 3, 4 }, new long[] { 6, 5 })).getMessage());
    }
}
