package dev.dnnrun.benchmarks;

import java.util.Arrays;

/**
 * One fresh-JVM measurement of {@link WarmupCurve} and what the report derives from it; steady state is taken over
 * the last {@code tail} calls, because on dnnrun the JIT keeps compiling for hundreds of calls.
 */
record WarmupRun(String model, String runtime, int threads, long toMainMs, double startMs, double loadMs, long peakRss,
                double[] callMs, long[] collections, long[] allocated, int tail) {
    /** Calls in the rolling median that decides when a run counts as warm: one slow call does not reset it. */
    static final int WINDOW = 10;

    /** Parses a {@link WarmupChild} result line (after its mark). */
    static WarmupRun parse(String model, String runtime, int threads, int tail, long startedAtMs, String fields) {
        String[] f = fields.split("\t");
        double[] calls = Arrays.stream(f[4].split(",")).mapToDouble(s -> Long.parseLong(s) / 1e6).toArray();
        long[] collections = Arrays.stream(f[5].split(",")).mapToLong(Long::parseLong).toArray();
        long[] allocated = Arrays.stream(f[6].split(",")).mapToLong(Long::parseLong).toArray();
        return new WarmupRun(model, runtime, threads, Long.parseLong(f[0]) - startedAtMs, Long.parseLong(f[1]) / 1e6, Long.parseLong(f[2]) / 1e6,
                        Long.parseLong(f[3]), calls, collections, allocated, Math.min(tail, calls.length));
    }

    /** Garbage collections (any thread's doing, the compiler's included) during the steady-state calls. */
    long steadyCollections() {
        int first = callMs.length - tail;
        return collections[callMs.length - 1] - (first == 0 ? 0 : collections[first - 1]);
    }

    /** Median bytes the calling thread allocated per steady-state call. */
    long steadyAllocatedPerCall() {
        long[] tailBytes = Arrays.copyOfRange(allocated, callMs.length - tail, callMs.length);
        Arrays.sort(tailBytes);
        return tailBytes[tailBytes.length / 2];
    }

    double firstMs() {
        return callMs[0];
    }

    /** From the first API call (context / environment) to the first result. */
    double toFirstResultMs() {
        return startMs + loadMs + firstMs();
    }

    double medianMs() {
        return percentile(Arrays.copyOfRange(callMs, callMs.length - tail, callMs.length), 0.5);
    }

    double p90Ms() {
        return percentile(Arrays.copyOfRange(callMs, callMs.length - tail, callMs.length), 0.9);
    }

    /** The call (1-based) from which the rolling median of {@link #WINDOW} calls stays within 10% of the steady
     *  median. */
    int warmAfterCall() {
        double limit = 1.1 * medianMs();
        int w = Math.min(WINDOW, callMs.length);
        int lastSlow = -1;
        for (int i = 0; i + w <= callMs.length; i++) {
            if (percentile(Arrays.copyOfRange(callMs, i, i + w), 0.5) > limit) {
                lastSlow = i;
            }
        }
        return lastSlow + 2;
    }

    double peakRssMiB() {
        return peakRss / 1048576.0;
    }

    /** Nearest-rank percentile. */
    static double percentile(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[Math.max(0, (int) Math.ceil(p * v.length) - 1)];
    }
}
