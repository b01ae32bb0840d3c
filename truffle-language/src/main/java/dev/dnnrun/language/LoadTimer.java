package dev.dnnrun.language;

import java.util.logging.Level;

import com.oracle.truffle.api.TruffleLogger;

/**
 * Wall-clock time of each phase of loading one model, logged at FINE on {@code dnn.load} (enable with
 * {@code --log.dnn.load.level=FINE}, or {@code log.dnn.load.level} on a {@code Context}); costs two clock reads a
 * phase when the level is off.
 */
final class LoadTimer {
    private final TruffleLogger log;
    private final String model;
    private final StringBuilder phases = new StringBuilder();
    private final long start = System.nanoTime();
    private long last = start;

    LoadTimer(TruffleLogger log, String model) {
        this.log = log;
        this.model = model;
    }

    /** Ends the phase that began at the previous call (or at construction). */
    void phase(String name) {
        long now = System.nanoTime();
        if (log.isLoggable(Level.FINE)) {
            phases.append(phases.isEmpty() ? "" : ", ").append(name).append(' ').append((now - last) / 1_000_000).append(" ms");
        }
        last = now;
    }

    void done() {
        if (log.isLoggable(Level.FINE)) {
            log.fine(model + ": loaded in " + (last - start) / 1_000_000 + " ms: " + phases);
        }
    }
}
