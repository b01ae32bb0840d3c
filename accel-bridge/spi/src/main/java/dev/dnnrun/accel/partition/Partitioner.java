package dev.dnnrun.accel.partition;

import java.util.ArrayList;
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

    /**
     * Groups connected nodes of the same backend into segments. A segment runs as one step (all its inputs before
     * any of its outputs), so the graph of steps must stay acyclic: a node joins (or merges) segments only if the
     * contracted graph, with every segment as one vertex, has no cycle afterwards.
     */
    private static List<Partition.PlannedSegment> merge(List<OpView> nodes, String[] backendOf, List<List<String>> patternsOf) {
        int n = nodes.size();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < n; i++) {
            for (String out : nodes.get(i).outputs()) {
                producer.put(out, i);
            }
        }
        List<List<Integer>> preds = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Integer> p = new ArrayList<>();
            for (String in : nodes.get(i).inputs()) {
                Integer q = producer.get(in);
                if (q != null && q != i && !p.contains(q)) {
                    p.add(q);
                }
            }
            preds.add(p);
        }
        // group[i]: the segment of node i (nodes on the CPU are groups of their own, numbered n + i)
        int[] group = new int[n];
        for (int i = 0; i < n; i++) {
            group[i] = n + i;
        }
        int segments = 0;
        String[] backendOfGroup = new String[n];
        for (int i = 0; i < n; i++) {
            if (backendOf[i].equals(CPU)) {
                continue;
            }
            int joined = -1;
            for (int p : preds.get(i)) {
                int g = group[p];
                if (g >= n || g == joined || !backendOfGroup[g].equals(backendOf[i])) {
                    continue;
                }
                int[] trial = group.clone();
                if (joined < 0) {
                    trial[i] = g;
                } else {
                    // i links two segments of its backend: try them as one
                    trial[i] = joined;
                    for (int k = 0; k <= i; k++) {
                        if (trial[k] == g) {
                            trial[k] = joined;
                        }
                    }
                }
                if (acyclic(trial, preds, i)) {
                    group = trial;
                    joined = group[i];
                }
            }
            if (joined < 0) {
                group[i] = segments;
                backendOfGroup[segments++] = backendOf[i];
            }
        }
        List<Partition.PlannedSegment> result = new ArrayList<>();
        for (int g = 0; g < segments; g++) {
            List<Integer> idx = new ArrayList<>();
            List<String> patterns = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (group[i] == g) {
                    idx.add(i);
                    for (String p : patternsOf.get(i)) {
                        if (!patterns.contains(p)) {
                            patterns.add(p);
                        }
                    }
                }
            }
            if (!idx.isEmpty()) {
                result.add(new Partition.PlannedSegment("seg" + result.size(), backendOfGroup[g], idx, patterns));
            }
        }
        return result;
    }

    /** Whether the groups of nodes 0..last, contracted to single vertices, form an acyclic graph (Kahn's algorithm). */
    private static boolean acyclic(int[] group, List<List<Integer>> preds, int last) {
        Map<Integer, Set<Integer>> succ = new HashMap<>();
        Map<Integer, Integer> indegree = new HashMap<>();
        for (int i = 0; i <= last; i++) {
            indegree.putIfAbsent(group[i], 0);
            for (int p : preds.get(i)) {
                if (p <= last && group[p] != group[i] && succ.computeIfAbsent(group[p], k -> new java.util.HashSet<>()).add(group[i])) {
                    indegree.merge(group[i], 1, Integer::sum);
                }
            }
        }
        java.util.ArrayDeque<Integer> ready = new java.util.ArrayDeque<>();
        indegree.forEach((g, d) -> {
            if (d == 0) {
                ready.add(g);
            }
        });
        int visited = 0;
        while (!ready.isEmpty()) {
            int g = ready.poll();
            visited++;
            for (int s : succ.getOrDefault(g, Set.of())) {
                if (indegree.merge(s, -1, Integer::sum) == 0) {
                    ready.add(s);
                }
            }
        }
        return visited == indegree.size();
    }
}
