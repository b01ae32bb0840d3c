package dev.dnnrun.language.graph;

/**
 * A problem with one operator: a bad attribute, input types it does not accept, shapes that do not fit. The
 * message names only the problem; the loader and the runtime add the model path, node name and op type.
 */
public final class OperatorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OperatorException(String message) {
        super(message);
    }
}
