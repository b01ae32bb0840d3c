package dev.dnnrun.kernels.elementwise;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Element copies under broadcasting, for any element size of 1, 2, 4 or 8 bytes: Where's select and the
 * expansion of one input to the output shape (the first step of the variadic Sum/Max/Min/Mean).
 */
public final class Select {
    private static final ValueLayout.OfByte B = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG_UNALIGNED;

    private Select() {
    }

    /** out = cond ? x : y; the plan's inputs are (cond, x, y), cond holds bytes 0/1. */
    public static void where(Broadcast plan, MemorySegment cond, MemorySegment x, MemorySegment y, MemorySegment out,
                    int elementSize) {
        long n = plan.rowLength();
        long rows = plan.rowCount();
        int cs = plan.innerStride(0);
        int xs = plan.innerStride(1);
        int ys = plan.innerStride(2);
        Broadcast.Cursor c = plan.cursor();
        long o = 0;
        for (long r = 0; r < rows; r++) {
            long ci = c.offset(0);
            long xi = c.offset(1);
            long yi = c.offset(2);
            switch (elementSize) {
                case 1 -> {
                    for (long i = 0; i < n; i++) {
                        boolean t = cond.get(B, ci + i * cs) != 0;
                        out.set(B, o + i, t ? x.get(B, xi + i * xs) : y.get(B, yi + i * ys));
                    }
                }
                case 2 -> {
                    for (long i = 0; i < n; i++) {
                        boolean t = cond.get(B, ci + i * cs) != 0;
                        out.set(H, (o + i) * 2, t ? x.get(H, (xi + i * xs) * 2) : y.get(H, (yi + i * ys) * 2));
                    }
                }
                case 4 -> {
                    for (long i = 0; i < n; i++) {
                        boolean t = cond.get(B, ci + i * cs) != 0;
                        out.set(I, (o + i) * 4, t ? x.get(I, (xi + i * xs) * 4) : y.get(I, (yi + i * ys) * 4));
                    }
                }
                case 8 -> {
                    for (long i = 0; i < n; i++) {
                        boolean t = cond.get(B, ci + i * cs) != 0;
                        out.set(J, (o + i) * 8, t ? x.get(J, (xi + i * xs) * 8) : y.get(J, (yi + i * ys) * 8));
                    }
                }
                default -> throw new IllegalArgumentException("element size " + elementSize);
            }
            o += n;
            c.next();
        }
    }

    /** Copies {@code src} broadcast to the output; the plan's inputs are (output shape, source shape). */
    public static void expand(Broadcast plan, MemorySegment src, MemorySegment out, int elementSize) {
        long n = plan.rowLength();
        long rows = plan.rowCount();
        boolean contiguous = plan.innerStride(1) == 1;
        Broadcast.Cursor c = plan.cursor();
        long o = 0;
        for (long r = 0; r < rows; r++) {
            long si = c.offset(1);
            if (contiguous) {
                MemorySegment.copy(src, si * elementSize, out, o * elementSize, n * elementSize);
            } else {
                for (long i = 0; i < n; i++) {
                    MemorySegment.copy(src, si * elementSize, out, (o + i) * elementSize, elementSize);
                }
            }
            o += n;
            c.next();
        }
    }
}
