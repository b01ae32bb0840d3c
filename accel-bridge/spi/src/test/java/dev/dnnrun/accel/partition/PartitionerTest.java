package dev.dnnrun.accel.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Pattern;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.Support;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.tensor.DType;

/** The partitioner with fake backends that claim operator types: annotation, reasons, patterns, acyclic merging. */
class PartitionerTest {
    private static final TensorType T = new TensorType(DType.FLOAT, new long[] { 2, 2 });

    /** Supports the operator types it claims, declines the rest with a reason naming itself; never compiles. */
    static class Fake implements Accelerator {
        private final String name;
        private final Set<String> claims;
        private final List<Pattern> patterns;

        Fake(String name, Set<String> claims, List<Pattern> patterns) {
            this.name = name;
            this.claims = claims;
            this.patterns = patterns;
        }

        Fake(String name, String... claims) {
            this(name, Set.of(claims), List.of());
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<Pattern> patterns() {
            return patterns;
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public Support supports(OpView op) {
            return claims.contains(op.opType()) ? Support.yes() : Support.no(name + " has no " + op.opType());
        }

        @Override
        public CompiledSegment compile(Segment segment) {
            throw new UnsupportedOperationException("partitioning never compiles");
        }
    }

    /** A node reading {@code ins} and writing {@code out}. */
    private static OpView node(String type, String out, String... ins) {
        return new OpView(out, type, "", 13, Map.of(), List.of(ins), List.of(out), List.of(ins).stream().map(i -> T).toList(), List.of(T),
                        Map.of());
    }

    private static List<List<Integer>> nodesOf(Partition p) {
        return p.segments().stream().map(Partition.PlannedSegment::nodes).toList();
    }

    @Test
    void claimedNodesFormSegmentsAndTheRestStayOnTheCpuWithEveryReason() {
        List<OpView> g = List.of(node("Relu", "a", "x"), node("Relu", "b", "a"), node("Sigmoid", "c", "b"), node("Relu", "d", "c"));
        Partition p = Partitioner.partition(g, List.of(new Fake("first", "Relu"), new Fake("second", "Tanh")), Set.of());
        assertEquals(List.of(List.of(0, 1), List.of(3)), nodesOf(p), "connected Relus merge; the Sigmoid splits them");
        assertEquals(List.of("first", "first"), p.segments().stream().map(Partition.PlannedSegment::backend).toList());
        assertEquals(List.of("seg0", "seg1"), p.segments().stream().map(Partition.PlannedSegment::id).toList());
        assertEquals(Map.of(2, Map.of("first", "first has no Sigmoid", "second", "second has no Sigmoid")), p.cpuReasons());
        assertEquals(List.of("first", "second"), List.copyOf(p.cpuReasons().get(2).keySet()), "reasons in priority order");
        assertNull(p.segmentOf(2));
        assertEquals("seg1", p.segmentOf(3).id());
    }

    @Test
    void theFirstBackendInPriorityOrderTakesANode() {
        List<OpView> g = List.of(node("Relu", "a", "x"), node("Tanh", "b", "a"));
        Partition p = Partitioner.partition(g, List.of(new Fake("low", "Tanh"), new Fake("high", "Relu", "Tanh")), Set.of());
        assertEquals(List.of("high", "low"), p.segments().stream().map(Partition.PlannedSegment::backend).toList());
        Partition swapped = Partitioner.partition(g, List.of(new Fake("high", "Relu", "Tanh"), new Fake("low", "Tanh")), Set.of());
        assertEquals(List.of(List.of(0, 1)), nodesOf(swapped));
        assertTrue(Partitioner.partition(g, List.of(), Set.of()).cpuReasons().isEmpty(), "no backends, nothing to explain");
    }

    @Test
    void aSupportsThatThrowsOrGivesNoAnswerIsANo() {
        Accelerator broken = new Fake("broken", Set.of(), List.of()) {
            @Override
            public Support supports(OpView op) {
                if (op.opType().equals("Relu")) {
                    throw new IllegalStateException("boom");
                }
                return null;
            }
        };
        Partition p = Partitioner.partition(List.of(node("Relu", "a", "x"), node("Tanh", "b", "a")), List.of(broken), Set.of());
        assertTrue(p.segments().isEmpty());
        assertTrue(p.cpuReasons().get(0).get("broken").contains("boom"), p.cpuReasons().toString());
        assertEquals("backend gave no answer", p.cpuReasons().get(1).get("broken"));
    }

    @Test
    void aPatternClaimsItsChainWholeAheadOfPriority() {
        Fake fused = new Fake("fused", Set.of("Conv", "Relu"), List.of(Pattern.of("Conv+Relu", "Conv", "Relu")));
        Fake first = new Fake("first", "Relu");
        List<OpView> chain = List.of(node("Conv", "c", "x"), node("Relu", "r", "c"), node("Relu", "s", "r"));
        Partition p = Partitioner.partition(chain, List.of(first, fused), Set.of());
        assertEquals(List.of(List.of(0, 1), List.of(2)), nodesOf(p), "the chain goes whole to its pattern's backend");
        assertEquals(List.of("fused", "first"), p.segments().stream().map(Partition.PlannedSegment::backend).toList());
        assertEquals(List.of("Conv+Relu"), p.segments().get(0).patterns());

        // The Conv's output has a second reader: not a chain, so the Relu goes by priority.
        List<OpView> forked = List.of(node("Conv", "c", "x"), node("Relu", "r", "c"), node("Tanh", "t", "c"));
        Partition q = Partitioner.partition(forked, List.of(first, fused), Set.of());
        assertEquals("first", q.segmentOf(1).backend());
        assertTrue(q.segments().stream().allMatch(s -> s.patterns().isEmpty()));

        // A chain with an operator the pattern's backend declines is not claimed either.
        Fake picky = new Fake("picky", Set.of("Conv"), List.of(Pattern.of("Conv+Relu", "Conv", "Relu")));
        Partition r = Partitioner.partition(chain, List.of(first, picky), Set.of());
        assertEquals("first", r.segmentOf(1).backend());
        assertEquals("picky", r.segmentOf(0).backend());
    }

    @Test
    void mergingThatWouldMakeACycleIsSplit() {
        // a = Relu(x) on the backend, b = Sigmoid(a) on the CPU, c = Add(a, b) on the backend: one segment {a, c} would
        // need b's result before it starts and give b its input only after it ends.
        List<OpView> g = List.of(node("Relu", "a", "x"), node("Sigmoid", "b", "a"), node("Add", "c", "a", "b"));
        Partition p = Partitioner.partition(g, List.of(new Fake("acc", "Relu", "Add")), Set.of());
        assertEquals(List.of(List.of(0), List.of(2)), nodesOf(p));
        assertAcyclic(g, p);

        // The same shape with the middle node on the backend too is one segment.
        Partition all = Partitioner.partition(g, List.of(new Fake("acc", "Relu", "Sigmoid", "Add")), Set.of());
        assertEquals(List.of(List.of(0, 1, 2)), nodesOf(all));
    }

    @Test
    void aNodeJoiningTwoSegmentsJoinsOnlyTheOneWithoutACycle() {
        // p = Relu(x), q = Relu(Sigmoid(p)) and r = Add(p, q): r may join q's segment, but not p's (p -> cpu -> q -> r).
        List<OpView> g = List.of(node("Relu", "p", "x"), node("Sigmoid", "s", "p"), node("Relu", "q", "s"), node("Add", "r", "p", "q"));
        Partition p = Partitioner.partition(g, List.of(new Fake("acc", "Relu", "Add")), Set.of());
        assertEquals(List.of(List.of(0), List.of(2, 3)), nodesOf(p));
        assertAcyclic(g, p);

        // Without the CPU node in between, a node reading two segments merges them into one.
        List<OpView> join = List.of(node("Relu", "p", "x"), node("Relu", "q", "y"), node("Add", "r", "p", "q"));
        assertEquals(List.of(List.of(0, 1, 2)), nodesOf(Partitioner.partition(join, List.of(new Fake("acc", "Relu", "Add")), Set.of())));
    }

    @Test
    void fromAssignmentKeepsTheGivenBackends() {
        List<OpView> g = List.of(node("Relu", "a", "x"), node("Relu", "b", "a"), node("Relu", "c", "b"), node("Relu", "d", "c"));
        Partition p = Partitioner.fromAssignment(g, new String[] { "one", "one", Partitioner.CPU, "two" });
        assertEquals(List.of(List.of(0, 1), List.of(3)), nodesOf(p));
        assertEquals(List.of("one", "two"), p.segments().stream().map(Partition.PlannedSegment::backend).toList());
        assertTrue(p.cpuReasons().isEmpty());
    }

    /** Random graphs and claims: every segment is one backend's, in topological order, and the segments never form a cycle. */
    @Test
    void randomGraphsNeverGetCyclicSegments() {
        Random random = new Random(7);
        String[] types = { "Relu", "Add", "Sigmoid", "Tanh" };
        for (int round = 0; round < 300; round++) {
            int n = 2 + random.nextInt(12);
            List<OpView> g = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String type = types[random.nextInt(types.length)];
                String a = i == 0 ? "x" : "v" + random.nextInt(i);
                g.add(type.equals("Add") ? node(type, "v" + i, a, i == 0 ? "x" : "v" + random.nextInt(i)) : node(type, "v" + i, a));
            }
            List<Accelerator> backends = List.of(new Fake("a", "Relu", "Add"), new Fake("b", "Add", "Tanh"));
            Partition p = Partitioner.partition(g, backends, Set.of());
            Set<Integer> placed = new HashSet<>();
            for (Partition.PlannedSegment s : p.segments()) {
                for (int k = 0; k < s.nodes().size(); k++) {
                    int i = s.nodes().get(k);
                    assertTrue(placed.add(i), "node " + i + " in one segment only");
                    assertTrue(k == 0 || s.nodes().get(k - 1) < i, "topological order");
                    assertTrue(backends.stream().anyMatch(b -> b.name().equals(s.backend()) && b.supports(g.get(i)).supported()));
                }
            }
            for (int i = 0; i < n; i++) {
                assertEquals(!placed.contains(i), p.cpuReasons().containsKey(i), "node " + i + " is placed or explained");
            }
            assertAcyclic(g, p);
        }
    }

    /** The graph with every segment contracted to one vertex has no cycle. */
    private static void assertAcyclic(List<OpView> g, Partition p) {
        int n = g.size();
        int[] group = new int[n];
        for (int i = 0; i < n; i++) {
            Partition.PlannedSegment s = p.segmentOf(i);
            group[i] = s == null ? n + i : p.segments().indexOf(s);
        }
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < n; i++) {
            producer.put(g.get(i).outputs().get(0), i);
        }
        Map<Integer, Set<Integer>> succ = new HashMap<>();
        for (int i = 0; i < n; i++) {
            for (String in : g.get(i).inputs()) {
                Integer q = producer.get(in);
                if (q != null && group[q] != group[i]) {
                    succ.computeIfAbsent(group[q], k -> new HashSet<>()).add(group[i]);
                }
            }
        }
        Map<Integer, Integer> state = new HashMap<>(); // 1 on the stack, 2 done
        for (int v : group) {
            assertFalse(onCycle(v, succ, state), "segments form a cycle: " + p.segments());
        }
    }

    private static boolean onCycle(int v, Map<Integer, Set<Integer>> succ, Map<Integer, Integer> state) {
        Integer s = state.get(v);
        if (s != null) {
            return s == 1;
        }
        state.put(v, 1);
        for (int w : succ.getOrDefault(v, Set.of())) {
            if (onCycle(w, succ, state)) {
                return true;
            }
        }
        state.put(v, 2);
        return false;
    }
}
