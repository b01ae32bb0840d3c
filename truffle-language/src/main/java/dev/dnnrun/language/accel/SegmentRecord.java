package dev.dnnrun.language.accel;

import java.util.ArrayList;
import java.util.List;

/**
 * What happened to one segment: its backend, its operators, and its state — planned, compiled (how many shape
 * specialisations), running on the CPU and why, or failed because fallback is an error. Also the segment's own
 * timing: every foreign call, and with {@code dnn.Profile} every run on the CPU. Shared by the segment's nodes;
 * read by {@code --explain}, {@code --profile} and the placement JSON.
 */
public final class SegmentRecord {
    private final String id;
    private final String backend;
    private final List<String> ops;
    private final List<String> patterns;
    private volatile String state = "planned (compiles on first run)";
    private volatile String fallbackReason;
    private volatile String chosenBy;
    private volatile long compilations;
    private volatile long foreignCalls;
    private volatile long foreignNanos;
    private volatile String runsOn;
    private volatile long cpuCalls;
    private volatile long cpuNanos;
    private volatile boolean failed;
    private final List<String> shapes = new ArrayList<>();

    public SegmentRecord(String id, String backend, List<String> ops, List<String> patterns) {
        this.id = id;
        this.backend = backend;
        this.ops = List.copyOf(ops);
        this.patterns = List.copyOf(patterns);
    }

    public String id() {
        return id;
    }

    public String backend() {
        return backend;
    }

    public List<String> ops() {
        return ops;
    }

    public List<String> patterns() {
        return patterns;
    }

    public String state() {
        return state;
    }

    public String fallbackReason() {
        return fallbackReason;
    }

    public String chosenBy() {
        return chosenBy;
    }

    public long compilations() {
        return compilations;
    }

    public long foreignCalls() {
        return foreignCalls;
    }

    public long foreignNanos() {
        return foreignNanos;
    }

    /** The backend its compiled code runs on (after auto's choice), or null before it compiled. */
    public String runsOn() {
        return runsOn;
    }

    /** Runs on dnnrun's kernels (a fallback or auto's choice); counted only with dnn.Profile. */
    public long cpuCalls() {
        return cpuCalls;
    }

    public long cpuNanos() {
        return cpuNanos;
    }

    /** True when the segment's backend could not run it and it ran on the CPU instead. */
    public boolean fellBack() {
        return fallbackReason != null && !failed;
    }

    /** True when the backend could not run it and, fallback being an error, the call failed. */
    public boolean failed() {
        return failed;
    }

    public synchronized List<String> shapes() {
        return List.copyOf(shapes);
    }

    synchronized void compiled(String backendName, String signature) {
        compilations++;
        shapes.add(signature);
        runsOn = backendName;
        if (failed) { // an earlier signature failed under fallback=error; this one compiled
            failed = false;
            fallbackReason = null;
        }
        state = "compiled for " + backendName;
    }

    void chosen(String how) {
        chosenBy = how;
    }

    /** --accel auto measured the CPU as fastest: not a failure, a choice. */
    void choseCpu() {
        state = "running on cpu (fastest when measured)";
    }

    void fellBack(String reason) {
        fallbackReason = reason;
        state = "running on cpu";
    }

    /** The backend could not run it and dnn.Fallback is error: the call failed; a later call tries again. */
    void failed(String backendName, String reason) {
        failed = true;
        fallbackReason = reason;
        state = "failed on " + backendName + " (fallback policy 'error')";
    }

    void ran(long nanos) {
        foreignCalls++;
        foreignNanos += nanos;
    }

    void ranOnCpu(long nanos) {
        cpuCalls++;
        cpuNanos += nanos;
    }
}
