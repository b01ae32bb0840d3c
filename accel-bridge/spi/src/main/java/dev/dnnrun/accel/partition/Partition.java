package dev.dnnrun.accel.partition;

import java.util.List;
import java.util.Map;

/**
 * The result of partitioning: segments (each a set of node indices placed on one backend, in topological order)
 * and, for every node left on the CPU, what each backend answered.
 */
public record Partition(List<PlannedSegment> segments, Map<Integer, Map<String, String>> cpuReasons) {

    /** One segment: its id ("seg0"...), backend name, node indices, and the pattern names it contains. */
    public record PlannedSegment(String id, String backend, List<Integer> nodes, List<String> patterns) {
    }

    /** The segment holding node {@code index}, or null when it runs on the CPU on its own. */
    public PlannedSegment segmentOf(int index) {
        for (PlannedSegment s : segments) {
            if (s.nodes().contains(index)) {
                return s;
            }
        }
        return null;
    }
}
