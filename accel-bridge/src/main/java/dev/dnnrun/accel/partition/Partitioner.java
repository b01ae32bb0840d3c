package dev.dnnrun.accel.partition;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Pattern;
import dev.dnnrun.accel.Support;

/**
 * Splits a graph into backend segments in three steps:
 * <ol>
 * <li>composites: each backend's patterns are matched on single-consumer chains; a chain whose every operator the
 * backend supports is claimed whole, so it is never split across segments;</li>
 * <li>annotation: every other node goes to the first backend, in priority order, that supports it; nodes no
 * backend takes stay on the CPU with each backend's reason;</li>
 * <li>merging: nodes of one backend that are connected become one segment, but a node joins a segment only when
 * no path leaves the segment and comes back to the node, so the segments never form a cycle.</li>
 * </ol>
 * A node list is in topological order; {@code constants} are values that are initializers (never segment inputs).
 */
public final class Partitioner {
    public static final String CPU = "cpu";

    private Partitioner() {
    }

    /** Partitions with backends in priority order (the CPU is always the implicit last choice). */
    public static Partition partition(List<OpView> nodes, List<Accelerator> backends, Set<String> constants) {
        int n = nodes.size();
        String[] backendOf = new String[n];
        List<List<String>> patternsOf = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            patternsOf.add(new ArrayList<>());
        }
        Map<String, List<Integer>> consumers = consumers(nodes);
        int[] composite = new int[n];
        java.util.Arrays.fill(composite, -1);
        int composites = 0;
        for (Accelerator b : backends) {
            for (Pattern p : b.patterns()) {
                for (int start = 0; start < n; start++) {
                    List<Integer> chain = matchChain(nodes, consumers, start, p);
                    if (chain == null || chain.stream().anyMatch(i -> backendOf[i] != null)) {
                        continue;
                    }
                    if (chain.stream().allMatch(i -> safeSupports(b, nodes.get(i)).supported())) {
                        for (int i : chain) {
                            backendOf[i] = b.name();
                            composite[i] = composites;
                            patternsOf.get(i).add(p.name());
                        }
                        composites++;
                    }
                }
            }
        }
        Map<Integer, Map<String, String>> reasons = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            if (backendOf[i] != null) {
                continue;
            }
            Map<String, String> why = new LinkedHashMap<>();
            for (Accelerator b : backends) {
                Support s = safeSupports(b, nodes.get(i));
                if (s.supported()) {
                    backendOf[i] = b.name();
                    break;
                }
                why.put(b.name(), s.reason());
            }
            if (backendOf[i] == null) {
                backendOf[i] = CPU;
                if (!backends.isEmpty()) {
                    reasons.put(i, why);
                }
            }
        }
        return new Partition(merge(nodes, backendOf, patternsOf), reasons);
    }

    /** Partitions with a fixed backend per node (a replayed placement); "cpu" nodes stay alone. */
    public static Partition fromAssignment(List<OpView> nodes, String[] backendOf) {
        List<List<String>> none = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            none.add(List.of());
        }
        return new Partition(merge(nodes, backendOf, none), Map.of());
    }

    private static Support safeSupports(Accelerator b, OpView op) {
        try {
            Support s = b.supports(op);
            return s == null ? Support.no("backend gave no answer") : s;
        } catch (RuntimeException e) {
            return Support.no("backend failed while checking: " + e);
        }
    }

    private static Map<String, List<Integer>> consumers(List<OpView> nodes) {
        Map<String, List<Integer>> readers = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs()) {
                if (!in.isEmpty()) {
                    readers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
                }
            }
        }
        return readers;
    }

    /** The chain matching {@code p} starting at node {@code start}, or null. */
    private static List<Integer> matchChain(List<OpView> nodes, Map<String, List<Integer>> consumers, int start, Pattern p) {
        List<Integer> chain = new ArrayList<>();
        int current = start;
        for (int k = 0; k < p.opTypes().size(); k++) {
            OpView op = nodes.get(current);
            if (!op.opType().equals(p.opTypes().get(k)) || !op.domain().isEmpty()) {
                return null;
            }
            chain.add(current);
            if (k + 1 == p.opTypes().size()) {
                break;
            }
            if (op.outputs().size() != 1) {
                return null;
            }
            List<Integer> readers = consumers.getOrDefault(op.outputs().get(0), List.of());
            if (readers.size() != 1) {
                return null;
            }
            current = readers.get(0);
        }
        return chain;
    }

    /** Groups connected nodes of the same backend into segments without creating cycles between segments. */
    private static List<Partition.PlannedSegment> merge(List<OpView> nodes, String[] backendOf, List<List<String>> patternsOf) {
        int n = nodes.size();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < n; i++) {
            for (String out : nodes.get(i).outputs()) {
                producer.put(out, i);
            }
        }
        // ancestors[i]: every node with a path to i
        BitSet[] ancestors = new BitSet[n];
        for (int i = 0; i < n; i++) {
            ancestors[i] = new BitSet(n);
            for (String in : nodes.get(i).inputs()) {
                Integer p = producer.get(in);
                if (p != null && p < i) {
                    ancestors[i].set(p);
                    ancestors[i].or(ancestors[p]);
                }
            }
        }
        int[] segmentOf = new int[n];
        java.util.Arrays.fill(segmentOf, -1);
        List<BitSet> members = new ArrayList<>();
        List<String> backendOfSegment = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (backendOf[i].equals(CPU)) {
                continue;
            }
            int joined = -1;
            for (String in : nodes.get(i).inputs()) {
                Integer p = producer.get(in);
                if (p == null || segmentOf[p] < 0 || !backendOfSegment.get(segmentOf[p]).equals(backendOf[i])) {
                    continue;
                }
                int s = segmentOf[p];
                if (s != joined && acyclicIfJoined(members.get(s), ancestors, i)) {
                    if (joined < 0) {
                        joined = s;
                    } else if (acyclicIfMerged(members.get(joined), members.get(s), ancestors)) {
                        // i connects two segments of its backend: merge them through it
                        members.get(joined).or(members.get(s));
                        for (int k = members.get(s).nextSetBit(0); k >= 0; k = members.get(s).nextSetBit(k + 1)) {
                            segmentOf[k] = joined;
                        }
                        members.get(s).clear();
                    }
                }
            }
            if (joined < 0) {
                joined = members.size();
                members.add(new BitSet(n));
                backendOfSegment.add(backendOf[i]);
            }
            members.get(joined).set(i);
            segmentOf[i] = joined;
        }
        List<Partition.PlannedSegment> segments = new ArrayList<>();
        for (int s = 0; s < members.size(); s++) {
            BitSet m = members.get(s);
            if (m.isEmpty()) {
                continue;
            }
            List<Integer> idx = m.stream().boxed().toList();
            List<String> patterns = new ArrayList<>();
            for (int i : idx) {
                for (String p : patternsOf.get(i)) {
                    if (!patterns.contains(p)) {
                        patterns.add(p);
                    }
                }
            }
            segments.add(new Partition.PlannedSegment("seg" + segments.size(), backendOfSegment.get(s), idx, patterns));
        }
        return segments;
    }

    /** Node i may join segment S unless some ancestor of i outside S itself descends from S. */
    private static boolean acyclicIfJoined(BitSet segment, BitSet[] ancestors, int i) {
        BitSet outside = (BitSet) ancestors[i].clone();
        outside.andNot(segment);
        for (int m = outside.nextSetBit(0); m >= 0; m = outside.nextSetBit(m + 1)) {
            if (ancestors[m].intersects(segment)) {
                return false;
            }
        }
        return true;
    }

    private static boolean acyclicIfMerged(BitSet a, BitSet b, BitSet[] ancestors) {
        BitSet union = (BitSet) a.clone();
        union.or(b);
        for (int k = union.nextSetBit(0); k >= 0; k = union.nextSetBit(k + 1)) {
            if (!acyclicIfJoined(union, ancestors, k)) {
                return false;
            }
        }
        return true;
    }
}
