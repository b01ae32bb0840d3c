package dev.dnnrun.kernels.elementwise;

import java.util.Arrays;

/**
 * Multidirectional (numpy) broadcasting of several input shapes to one output shape, reduced to the fewest
 * dimensions that describe the walk. Output dimensions of size 1 are dropped and neighbouring dimensions are
 * merged when every input either has both of them or broadcasts both, so same-shape inputs become one row and
 * "matrix + bias row" becomes rows of contiguous elements with a stride-0 or stride-1 operand.
 *
 * <p>Kernels walk the output row by row: a row is the innermost merged dimension, in which each input advances by
 * {@link #innerStride(int)} (0 or 1) elements; a {@link Cursor} gives each input's offset at the start of a row.
 */
public final class Broadcast {
    private final long[] outputShape;
    private final long outputCount;
    /** Merged dimensions, outermost first; at least one. */
    private final long[] dims;
    /** strides[k][d]: element stride of input k along merged dimension d (0 where it broadcasts). */
    private final long[][] strides;
    private final boolean allSameShape;

    private Broadcast(long[] outputShape, long[] dims, long[][] strides, boolean allSameShape) {
        this.outputShape = outputShape;
        this.dims = dims;
        this.strides = strides;
        this.allSameShape = allSameShape;
        long n = 1;
        for (long d : outputShape) {
            n *= d;
        }
        this.outputCount = n;
    }

    /** The broadcast shape of {@code shapes}, or an IllegalArgumentException naming the dimensions that clash. */
    public static long[] broadcastShape(long[]... shapes) {
        int rank = 0;
        for (long[] s : shapes) {
            rank = Math.max(rank, s.length);
        }
        long[] out = new long[rank];
        Arrays.fill(out, 1);
        for (long[] s : shapes) {
            int shift = rank - s.length;
            for (int i = 0; i < s.length; i++) {
                long d = s[i];
                long o = out[shift + i];
                if (d == o || d == 1) {
                    continue;
                }
                if (o == 1) {
                    out[shift + i] = d;
                } else {
                    throw new IllegalArgumentException("shapes " + describe(shapes) + " cannot be broadcast together");
                }
            }
        }
        return out;
    }

    /** Plans the walk for inputs of the given shapes. */
    public static Broadcast of(long[]... shapes) {
        long[] out = broadcastShape(shapes);
        int rank = out.length;
        int n = shapes.length;
        boolean same = true;
        for (long[] s : shapes) {
            same &= Arrays.equals(s, out);
        }
        // Per kept output dimension: which inputs really have it (size > 1 there).
        long[] keptDims = new long[rank];
        boolean[][] has = new boolean[rank][n];
        int kept = 0;
        for (int d = 0; d < rank; d++) {
            if (out[d] == 1) {
                continue;
            }
            for (int k = 0; k < n; k++) {
                int i = d - (rank - shapes[k].length);
                has[kept][k] = i >= 0 && shapes[k][i] != 1;
            }
            keptDims[kept++] = out[d];
        }
        // Merge neighbours with the same pattern of present/broadcast inputs.
        long[] dims = new long[Math.max(kept, 1)];
        boolean[][] pattern = new boolean[Math.max(kept, 1)][];
        int m = 0;
        if (kept == 0) {
            dims[0] = 1;
            pattern[0] = new boolean[n];
            m = 1;
        }
        for (int d = 0; d < kept; d++) {
            if (m > 0 && Arrays.equals(pattern[m - 1], has[d])) {
                dims[m - 1] *= keptDims[d];
            } else {
                dims[m] = keptDims[d];
                pattern[m] = has[d];
                m++;
            }
        }
        dims = Arrays.copyOf(dims, m);
        long[][] strides = new long[n][m];
        for (int k = 0; k < n; k++) {
            long stride = 1;
            for (int d = m - 1; d >= 0; d--) {
                if (pattern[d][k]) {
                    strides[k][d] = stride;
                    stride *= dims[d];
                }
            }
        }
        return new Broadcast(out, dims, strides, same);
    }

    public long[] outputShape() {
        return outputShape.clone();
    }

    public long outputCount() {
        return outputCount;
    }

    /** True when every input already has the output shape: a single contiguous pass. */
    public boolean allSameShape() {
        return allSameShape;
    }

    /** Elements per row (the innermost merged dimension). */
    public long rowLength() {
        return dims[dims.length - 1];
    }

    /** Number of rows in the output. */
    public long rowCount() {
        return rowLength() == 0 ? 0 : outputCount / rowLength();
    }

    /** How far input {@code k} moves per element within a row: 1, or 0 when it broadcasts along the row. */
    public int innerStride(int k) {
        return (int) strides[k][dims.length - 1];
    }

    public Cursor cursor() {
        return new Cursor();
    }

    /** A cursor at the start of output row {@code row}. */
    public Cursor cursor(long row) {
        Cursor c = new Cursor();
        for (int d = dims.length - 2; d >= 0 && row > 0; d--) {
            c.index[d] = row % dims[d];
            row /= dims[d];
            for (int k = 0; k < c.offsets.length; k++) {
                c.offsets[k] += strides[k][d] * c.index[d];
            }
        }
        return c;
    }

    /** Walks the rows of the output, giving each input's element offset at the start of the current row. */
    public final class Cursor {
        private final long[] index = new long[dims.length];
        private final long[] offsets = new long[strides.length];

        /** Element offset of input {@code k} at the start of the current row. */
        public long offset(int k) {
            return offsets[k];
        }

        /** Moves to the next row (odometer over the outer merged dimensions). */
        public void next() {
            for (int d = dims.length - 2; d >= 0; d--) {
                index[d]++;
                for (int k = 0; k < offsets.length; k++) {
                    offsets[k] += strides[k][d];
                }
                if (index[d] < dims[d]) {
                    return;
                }
                for (int k = 0; k < offsets.length; k++) {
                    offsets[k] -= strides[k][d] * dims[d];
                }
                index[d] = 0;
            }
        }
    }

    private static String describe(long[][] shapes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shapes.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(Arrays.toString(shapes[i]));
        }
        return sb.toString();
    }
}
