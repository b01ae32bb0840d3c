package dev.dnnrun.accel;

import java.util.List;

/**
 * What a vendor writes to run parts of models on its runtime; everything else (loading, graph passes,
 * partitioning, memory, fallback, tooling) is dnnrun's. Implementations are found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.dnnrun.accel.Accelerator}), so a backend jar on the class path adds a backend.
 *
 * <p>Contract: {@link #unavailableReason()} and {@link #supports} never throw; {@link #compile} may throw
 * {@link UnsupportedSegmentException} (or anything else): the segment then runs on the CPU. A backend must validate
 * what it passes to native code, so bad input becomes an exception, never a crash.
 */
public interface Accelerator extends AutoCloseable {
    /** Short lower-case name used by {@code --accel} and placements, e.g. "onednn". */
    String name();

    /** Null when the backend can run here; otherwise why not (library missing, no device...). */
    String unavailableReason();

    /** Whether this backend can run {@code op} (types and shapes as known at load; -1 for unknown sizes). */
    Support supports(OpView op);

    /** Chains of operators the backend runs as one unit (e.g. Conv, Add, Relu), matched before per-op support. */
    default List<Pattern> patterns() {
        return List.of();
    }

    /** Compiles a segment for the concrete shapes and dtypes in {@code segment}; constants arrive here, once. */
    CompiledSegment compile(Segment segment) throws UnsupportedSegmentException;

    /** Releases the backend's native resources (after every compiled segment is closed). */
    @Override
    default void close() {
    }
}
