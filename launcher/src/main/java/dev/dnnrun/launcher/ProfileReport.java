package dev.dnnrun.launcher;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.graalvm.polyglot.Value;

/**
 * {@code --profile}: kernel time per operator type, and time per accelerator segment with the backend it ran on,
 * from the model's own counters (its {@code profile} and {@code placement} members). With {@code -n} only the timed
 * runs count: the counters are read when they begin, since the first run and the warm-up are JIT warm-up, not
 * steady state.
 */
final class ProfileReport {
    private final Value model;
    /** Per operator node {calls, nanos}, and per segment {calls, nanos, cpuCalls, cpuNanos}, when the timed runs began. */
    private long[][] opsAtStart;
    private long[][] segmentsAtStart;
    private int timedRuns;

    ProfileReport(Value model) {
        this.model = model;
    }

    /** From now on only the next {@code runs} runs count. */
    void timedRunsBegin(int runs) {
        timedRuns = runs;
        opsAtStart = opCounters();
        segmentsAtStart = segmentCounters();
    }

    void print(PrintStream out) {
        printOperators(out);
        printSegments(out);
    }

    private long[][] opCounters() {
        Value nodes = model.getMember("profile");
        long[][] counters = new long[(int) nodes.getArraySize()][];
        for (int i = 0; i < counters.length; i++) {
            Value n = nodes.getArrayElement(i);
            counters[i] = new long[]{n.getMember("calls").asLong(), n.getMember("nanos").asLong()};
        }
        return counters;
    }

    private long[][] segmentCounters() {
        Value segments = model.getMember("placement").getMember("segments");
        long[][] counters = new long[(int) segments.getArraySize()][];
        for (int i = 0; i < counters.length; i++) {
            Value s = segments.getArrayElement(i);
            counters[i] = new long[]{s.getMember("calls").asLong(), s.getMember("nanos").asLong(), s.getMember("cpuCalls").asLong(),
                            s.getMember("cpuNanos").asLong()};
        }
        return counters;
    }

    /** What the counters add up to: per timed run with -n, else over all runs. */
    private String window() {
        return timedRuns > 0 ? "per timed run (first run and warm-up left out)" : "all runs";
    }

    private int runs() {
        return Math.max(timedRuns, 1);
    }

    /** Kernel time per operator type, largest first. */
    private void printOperators(PrintStream out) {
        long[][] now = opCounters();
        Value nodes = model.getMember("profile");
        Map<String, long[]> byOp = new LinkedHashMap<>();
        long total = 0;
        for (int i = 0; i < now.length; i++) {
            long[] start = opsAtStart == null ? new long[2] : opsAtStart[i];
            long[] acc = byOp.computeIfAbsent(nodes.getArrayElement(i).getMember("op").asString(), k -> new long[3]);
            acc[0]++;
            acc[1] += now[i][0] - start[0];
            acc[2] += now[i][1] - start[1];
            total += now[i][1] - start[1];
        }
        int runs = runs();
        out.println("profile: kernel time per operator type, " + window());
        if (byOp.values().stream().allMatch(acc -> acc[1] == 0)) {
            out.println("  (none ran on dnnrun's kernels: every operator ran inside an accelerator segment)");
            return;
        }
        out.printf(Locale.ROOT, "  %-24s %6s %8s %12s %7s%n", "op", "nodes", "calls", "ms", "share");
        long sum = Math.max(total, 1);
        // Types whose every node ran inside accelerator segments have no kernel time of their own; leave them out.
        byOp.entrySet().stream().filter(e -> e.getValue()[1] > 0).sorted((a, b) -> Long.compare(b.getValue()[2], a.getValue()[2]))
                        .forEach(e -> out.printf(Locale.ROOT, "  %-24s %6d %8d %12.3f %6.1f%%%n", e.getKey(), e.getValue()[0],
                                        e.getValue()[1] / runs, e.getValue()[2] / 1e6 / runs, 100.0 * e.getValue()[2] / sum));
        if (timedRuns > 0) {
            out.printf(Locale.ROOT, "  %-24s %6s %8s %12.3f%n", "total", "", "", total / 1e6 / runs);
        }
    }

    /**
     * Time per segment, in execution order, one row per backend it ran on: its foreign calls into the accelerator
     * and its runs on the cpu (a fallback, or --accel auto's choice). Nothing without segments.
     */
    private void printSegments(PrintStream out) {
        Value segments = model.getMember("placement").getMember("segments");
        long[][] now = segmentCounters();
        if (now.length == 0) {
            return;
        }
        int runs = runs();
        out.println("profile: time per accelerator segment, " + window());
        out.printf(Locale.ROOT, "  %-10s %-12s %8s %12s %10s  %s%n", "segment", "backend", "calls", "ms", "ms/call", "state");
        long total = 0;
        for (int i = 0; i < now.length; i++) {
            Value s = segments.getArrayElement(i);
            long[] start = segmentsAtStart == null ? new long[4] : segmentsAtStart[i];
            String state = s.getMember("state").asString() + (s.getMember("fellBack").asBoolean() ? " (fell back)" : "");
            String accelerator = s.getMember("runsOn").asString();
            long[][] rows = {{now[i][0] - start[0], now[i][1] - start[1]}, {now[i][2] - start[2], now[i][3] - start[3]}};
            String[] backends = {accelerator.isEmpty() ? s.getMember("backend").asString() : accelerator, "cpu"};
            for (int r = 0; r < rows.length; r++) {
                long calls = rows[r][0];
                long nanos = rows[r][1];
                if (calls == 0) {
                    continue;
                }
                total += nanos;
                out.printf(Locale.ROOT, "  %-10s %-12s %8d %12.3f %10.3f  %s%n", s.getMember("id").asString(), backends[r], calls / runs,
                                nanos / 1e6 / runs, nanos / 1e6 / calls, state);
            }
        }
        out.printf(Locale.ROOT, "  %-10s %-12s %8s %12.3f%n", "total", "", "", total / 1e6 / runs);
    }
}
