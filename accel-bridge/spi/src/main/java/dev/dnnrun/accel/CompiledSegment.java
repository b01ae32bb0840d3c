package dev.dnnrun.accel;

import org.apache.arrow.memory.ArrowBuf;

/**
 * A segment compiled by a backend for fixed shapes. {@link #execute} reads the inputs and writes the outputs in
 * place, in Arrow buffers allocated by dnnrun with the sizes of the segment's types: nothing is copied on dnnrun's
 * side. Any exception makes dnnrun run the segment on the CPU from then on. dnnrun times each call itself.
 */
public interface CompiledSegment extends AutoCloseable {
    void execute(ArrowBuf[] inputs, ArrowBuf[] outputs) throws Exception;

    @Override
    void close();
}
