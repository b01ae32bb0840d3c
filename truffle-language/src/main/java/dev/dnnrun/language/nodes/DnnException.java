package dev.dnnrun.language.nodes;

import com.oracle.truffle.api.exception.AbstractTruffleException;

/** A user-facing error raised while running a model: bad inputs, or a node that cannot run on them. */
public final class DnnException extends AbstractTruffleException {
    private static final long serialVersionUID = 1L;

    public DnnException(String message) {
        super(message);
    }
}
