package dev.dnnrun.accel.support;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.dnnrun.accel.UnsupportedSegmentException;

/**
 * Buffers for a segment's intermediate values, shared by liveness so that the working set stays small (and in
 * cache): a backend declares its pooled values with their sizes and its steps in execution order, each with the value
 * it writes and those it reads, and {@link #assign} gives every pooled value a buffer. A step's value takes the
 * smallest free buffer that fits, chosen before the step's own reads are released so it never aliases them; a value's
 * buffer returns to the pool after its last reader. Values not declared (segment inputs and outputs, constants) are
 * the backend's business and left alone.
 *
 * <p>In-place hook: a step may name one read it could overwrite ({@code reusable}, e.g. the addend a sum post-op
 * accumulates into). Where that value is pooled, dies at this step, is not otherwise read by it and its buffer is
 * large enough, the written value takes over its buffer and the step runs in place.
 */
public final class BufferPlan {
    private final Map<String, Long> sizes = new LinkedHashMap<>();
    private final List<Step> steps = new ArrayList<>();

    private record Step(String writes, Set<String> reads, String reusable) {
    }

    /** Where the pooled values live: {@code bufferOf} maps each to an index into {@code bufferBytes}. */
    public record Assignment(Map<String, Integer> bufferOf, long[] bufferBytes, Set<Integer> inPlaceSteps) {
        /** The bytes of all buffers together. */
        public long totalBytes() {
            long n = 0;
            for (long b : bufferBytes) {
                n += b;
            }
            return n;
        }
    }

    /** Declares a pooled value of {@code bytes}. */
    public void value(String name, long bytes) {
        if (bytes < 0 || sizes.putIfAbsent(name, bytes) != null) {
            throw new IllegalArgumentException("value '" + name + "' declared twice or with " + bytes + " bytes");
        }
    }

    /**
     * Adds the next step, which writes {@code writes} and reads {@code reads} ({@code writes} among them is ignored);
     * {@code reusable} (or null) is a value it reads and may overwrite. Returns the step's index.
     */
    public int step(String writes, Collection<String> reads, String reusable) {
        Set<String> r = new LinkedHashSet<>(reads);
        r.remove(writes);
        steps.add(new Step(writes, r, reusable));
        return steps.size() - 1;
    }

    /** Assigns the buffers; throws when a pooled value is read before it is written or never written. */
    public Assignment assign() throws UnsupportedSegmentException {
        Map<String, Integer> lastRead = new HashMap<>();
        for (int s = 0; s < steps.size(); s++) {
            for (String r : steps.get(s).reads()) {
                lastRead.put(r, s);
            }
            if (steps.get(s).reusable() != null) {
                lastRead.put(steps.get(s).reusable(), s);
            }
        }
        Map<String, Integer> bufferOf = new HashMap<>();
        List<Long> bytes = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        Set<Integer> inPlace = new LinkedHashSet<>();
        for (int s = 0; s < steps.size(); s++) {
            Step st = steps.get(s);
            String w = st.writes();
            String reuse = st.reusable();
            Set<String> dying = new LinkedHashSet<>(st.reads());
            if (reuse != null) {
                dying.add(reuse);
            }
            for (String r : dying) {
                if (sizes.containsKey(r) && !bufferOf.containsKey(r)) {
                    throw new UnsupportedSegmentException("value '" + r + "' is read before it is written");
                }
            }
            if (sizes.containsKey(w)) {
                if (bufferOf.containsKey(w)) {
                    throw new UnsupportedSegmentException("value '" + w + "' is written twice");
                }
                Integer b = reuse == null ? null : bufferOf.get(reuse);
                if (b != null && lastRead.get(reuse) == s && !st.reads().contains(reuse) && bytes.get(b) >= sizes.get(w)) {
                    inPlace.add(s);
                    dying.remove(reuse);
                } else {
                    b = take(free, bytes, sizes.get(w));
                }
                bufferOf.put(w, b);
                if (!lastRead.containsKey(w)) {
                    dying.add(w); // written but never read
                }
            }
            for (String r : dying) {
                if (bufferOf.containsKey(r) && lastRead.getOrDefault(r, s) == s) {
                    free.add(bufferOf.get(r));
                }
            }
        }
        for (String v : sizes.keySet()) {
            if (!bufferOf.containsKey(v)) {
                throw new UnsupportedSegmentException("value '" + v + "' is never written");
            }
        }
        return new Assignment(Map.copyOf(bufferOf), bytes.stream().mapToLong(Long::longValue).toArray(), Set.copyOf(inPlace));
    }

    /** The smallest free buffer of at least {@code need} bytes, or a new one. */
    private static int take(List<Integer> free, List<Long> bytes, long need) {
        int best = -1;
        for (int i = 0; i < free.size(); i++) {
            long size = bytes.get(free.get(i));
            if (size >= need && (best < 0 || size < bytes.get(free.get(best)))) {
                best = i;
            }
        }
        if (best >= 0) {
            return free.remove(best);
        }
        bytes.add(need);
        return bytes.size() - 1;
    }
}
