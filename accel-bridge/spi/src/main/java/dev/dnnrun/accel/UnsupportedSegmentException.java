package dev.dnnrun.accel;

/** Thrown by {@link Accelerator#compile} when the backend declines a segment; the segment then runs on the CPU. */
public class UnsupportedSegmentException extends Exception {
    private static final long serialVersionUID = 1L;

    public UnsupportedSegmentException(String reason) {
        super(reason);
    }

    public UnsupportedSegmentException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
