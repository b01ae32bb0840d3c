package dev.dnnrun.accel.tck;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;

/**
 * Segments no backend may hand to native code: sizes whose byte count does not fit a long, negative sizes, and types
 * that disagree between an operator and the segment or the next operator. Each variant rewrites a {@link Sample}'s
 * segment (dimension 0 of its non-constant values); the backend must decline it with an
 * {@link dev.dnnrun.accel.UnsupportedSegmentException} at compile, never crash the JVM or write out of bounds.
 */
public enum Hostile {
    /** Dimension 0 is 2^62: the element counts overflow a long. */
    HUGE_ELEMENTS("element count overflows a long") {
        @Override
        public Segment apply(Segment s) {
            return everywhere(s, 1L << 62);
        }
    },
    /** Dimension 0 as large as still keeps every element count in a long; the byte size (x4) then overflows. */
    HUGE_BYTES("byte size overflows a long") {
        @Override
        public Segment apply(Segment s) {
            long rest = 1;
            for (Map.Entry<String, TensorType> e : s.valueTypes().entrySet()) {
                if (!s.constants().containsKey(e.getKey()) && e.getValue().rank() > 0) {
                    rest = Math.max(rest, product(e.getValue().shape(), 1));
                }
            }
            return everywhere(s, Long.MAX_VALUE / rest);
        }
    },
    /** Dimension 0 is -1, the load-time mark for an unknown size, which compile must never see. */
    UNKNOWN_SIZE("size -1 at compile") {
        @Override
        public Segment apply(Segment s) {
            return everywhere(s, -1);
        }
    },
    /** Dimension 0 is -3. */
    NEGATIVE_SIZE("negative size") {
        @Override
        public Segment apply(Segment s) {
            return everywhere(s, -3);
        }
    },
    /**
     * The first operator says its first output is twice as large (dimension 0) as the segment and the operators
     * reading it say: a backend sizing from the operator would write past the caller's buffer.
     */
    OPERATOR_OUTPUT_MISMATCH("an operator's output type disagrees with its readers") {
        @Override
        public Segment apply(Segment s) {
            OpView first = s.ops().get(0);
            String out = first.outputs().get(0);
            List<OpView> ops = new ArrayList<>(s.ops());
            ops.set(0, retype(first, (name, t) -> name.equals(out) ? withDim0(t, t.shape()[0] * 2) : t));
            return new Segment(s.id(), List.copyOf(ops), s.inputs(), s.inputTypes(), s.outputs(), s.outputTypes(), s.constants(),
                            s.valueTypes());
        }
    },
    /**
     * The segment says its first input is half as large (dimension 0) as its operators read: a backend trusting the
     * operators would read past the caller's buffer.
     */
    SEGMENT_INPUT_MISMATCH("the segment's input type disagrees with its operators") {
        @Override
        public Segment apply(Segment s) {
            String in = s.inputs().get(0);
            TensorType small = withDim0(s.inputTypes().get(0), Math.max(1, s.inputTypes().get(0).shape()[0] / 2));
            List<TensorType> inTypes = new ArrayList<>(s.inputTypes());
            inTypes.set(0, small);
            Map<String, TensorType> values = new HashMap<>(s.valueTypes());
            values.put(in, small);
            return new Segment(s.id(), s.ops(), s.inputs(), List.copyOf(inTypes), s.outputs(), s.outputTypes(), s.constants(),
                            Map.copyOf(values));
        }
    };

    private final String title;

    Hostile(String title) {
        this.title = title;
    }

    /** The hostile version of {@code s} (built from a {@link Sample}). */
    public abstract Segment apply(Segment s);

    public String title() {
        return title;
    }

    /** Dimension 0 of every non-constant value set to {@code dim0}, in the segment and in every operator. */
    private static Segment everywhere(Segment s, long dim0) {
        BiFunction<String, TensorType, TensorType> f = (name, t) -> t == null || t.rank() == 0 || s.constants().containsKey(name) ? t
                        : withDim0(t, dim0);
        List<OpView> ops = s.ops().stream().map(op -> retype(op, f)).toList();
        Map<String, TensorType> values = new HashMap<>();
        s.valueTypes().forEach((name, t) -> values.put(name, f.apply(name, t)));
        return new Segment(s.id(), ops, s.inputs(), retype(s.inputs(), s.inputTypes(), f), s.outputs(),
                        retype(s.outputs(), s.outputTypes(), f), s.constants(), Map.copyOf(values));
    }

    private static OpView retype(OpView op, BiFunction<String, TensorType, TensorType> f) {
        return new OpView(op.name(), op.opType(), op.domain(), op.opsetVersion(), op.attributes(), op.inputs(), op.outputs(),
                        retype(op.inputs(), op.inputTypes(), f), retype(op.outputs(), op.outputTypes(), f), op.constantInputs());
    }

    /** Types may be null (omitted optional inputs), so the list is not a List.copyOf. */
    private static List<TensorType> retype(List<String> names, List<TensorType> types, BiFunction<String, TensorType, TensorType> f) {
        List<TensorType> r = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            r.add(f.apply(names.get(i), types.get(i)));
        }
        return Collections.unmodifiableList(r);
    }

    private static TensorType withDim0(TensorType t, long dim0) {
        long[] shape = t.shape().clone();
        shape[0] = dim0;
        return new TensorType(t.dtype(), shape);
    }

    private static long product(long[] shape, int from) {
        long n = 1;
        for (int i = from; i < shape.length; i++) {
            n = Math.multiplyExact(n, shape[i]);
        }
        return n;
    }
}
