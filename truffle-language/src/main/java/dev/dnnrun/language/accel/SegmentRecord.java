package dev.dnnrun.language.accel;

import java.util.ArrayList;
import java.util.List;

/**
 * What happened to one segment: its backend, its operators, and its state — planned, compiled (how many shape
 * specialisations), or running on the CPU and why. Shared by the segment's nodes; read by {@code --explain}.
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

    public synchronized List<String> shapes() {
        return List.copyOf(shapes);
    }

    synchronized void compiled(String backendName, String signature) {
        compilations++;
        shapes.add(signature);
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

    void ran(long nanos) {
        foreignCalls++;
        foreignNanos += nanos;
    }
}
