package dev.dnnrun.language.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.InvalidArrayIndexException;
import com.oracle.truffle.api.interop.InvalidBufferOffsetException;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.interop.UnsupportedMessageException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;

import dev.dnnrun.language.DnnContext;
import dev.dnnrun.language.nodes.DnnException;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * A tensor handed to a guest language or the host. Its bytes are exposed as interop buffer elements straight
 * from Arrow memory (no copy), its elements as a flat array of numbers, and {@code name}, {@code dtype},
 * {@code shape}, {@code size} as members. The holder owns the memory: {@code close()} frees it now; otherwise it
 * is freed when the context closes.
 */
@ExportLibrary(InteropLibrary.class)
public final class TensorObject implements TruffleObject {
    private static final String[] MEMBERS = {"name", "dtype", "shape", "size", "close"};

    private final DnnContext context;
    private final String name;
    private final Tensor tensor;

    public TensorObject(DnnContext context, String name, Tensor tensor) {
        this.context = context;
        this.name = name;
        this.tensor = tensor;
        context.track(this);
    }

    public Tensor tensor() {
        if (tensor.isClosed()) {
            throw new DnnException("tensor '" + name + "' was closed");
        }
        return tensor;
    }

    public String name() {
        return name;
    }

    /** Frees the tensor's memory (idempotent). */
    public void release() {
        tensor.close();
        context.untrack(this);
    }

    @ExportMessage
    boolean hasMembers() {
        return true;
    }

    @ExportMessage
    Object getMembers(@SuppressWarnings("unused") boolean includeInternal) {
        return new Members(MEMBERS);
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return Members.contains(MEMBERS, member) && !member.equals("close");
    }

    @ExportMessage
    boolean isMemberInvocable(String member) {
        return member.equals("close");
    }

    @ExportMessage
    @TruffleBoundary
    Object readMember(String member) throws UnknownIdentifierException {
        return switch (member) {
            case "name" -> name;
            case "dtype" -> tensor.dtype().displayName;
            case "shape" -> InteropArray.ofLongs(tensor.shape());
            case "size" -> tensor.elementCount();
            default -> throw UnknownIdentifierException.create(member);
        };
    }

    @ExportMessage
    @TruffleBoundary
    Object invokeMember(String member, @SuppressWarnings("unused") Object[] args) throws UnknownIdentifierException {
        if (!member.equals("close")) {
            throw UnknownIdentifierException.create(member);
        }
        release();
        return true;
    }

    // --- flat element view ---

    @ExportMessage
    boolean hasArrayElements() {
        return true;
    }

    @ExportMessage
    long getArraySize() {
        return tensor.elementCount();
    }

    @ExportMessage
    boolean isArrayElementReadable(long index) {
        return index >= 0 && index < tensor.elementCount();
    }

    @ExportMessage
    @TruffleBoundary
    Object readArrayElement(long index) throws InvalidArrayIndexException {
        if (!isArrayElementReadable(index)) {
            throw InvalidArrayIndexException.create(index);
        }
        Tensor t = tensor();
        return switch (t.dtype()) {
            case STRING -> t.strings()[(int) index];
            case BOOL -> t.getLong(index) != 0;
            case FLOAT -> t.getFloat(index);
            case DOUBLE, FLOAT16, BFLOAT16, UINT64 -> t.getDouble(index);
            default -> t.getLong(index);
        };
    }

    // --- zero-copy byte view ---

    @ExportMessage
    boolean hasBufferElements() {
        return tensor.dtype() != DType.STRING;
    }

    @ExportMessage
    boolean isBufferWritable() {
        return hasBufferElements();
    }

    @ExportMessage
    long getBufferSize() throws UnsupportedMessageException {
        if (!hasBufferElements()) {
            throw UnsupportedMessageException.create();
        }
        return tensor.byteSize();
    }

    private MemorySegment bytes(long offset, long length) throws InvalidBufferOffsetException, UnsupportedMessageException {
        if (!hasBufferElements()) {
            throw UnsupportedMessageException.create();
        }
        if (offset < 0 || length < 0 || offset + length > tensor.byteSize()) {
            throw InvalidBufferOffsetException.create(offset, length);
        }
        return tensor().segment();
    }

    @ExportMessage
    byte readBufferByte(long offset) throws InvalidBufferOffsetException, UnsupportedMessageException {
        return bytes(offset, 1).get(ValueLayout.JAVA_BYTE, offset);
    }

    @ExportMessage
    @TruffleBoundary
    void readBuffer(long offset, byte[] destination, int destinationOffset, int length)
                    throws InvalidBufferOffsetException, UnsupportedMessageException {
        MemorySegment.copy(bytes(offset, length), ValueLayout.JAVA_BYTE, offset, destination, destinationOffset, length);
    }

    @ExportMessage
    void writeBufferByte(long offset, byte value) throws InvalidBufferOffsetException, UnsupportedMessageException {
        bytes(offset, 1).set(ValueLayout.JAVA_BYTE, offset, value);
    }

    @ExportMessage
    short readBufferShort(ByteOrder order, long offset) throws InvalidBufferOffsetException, UnsupportedMessageException {
        return bytes(offset, 2).get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), offset);
    }

    @ExportMessage
    void writeBufferShort(ByteOrder order, long offset, short value) throws InvalidBufferOffsetException, UnsupportedMessageException {
        bytes(offset, 2).set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), offset, value);
    }

    @ExportMessage
    int readBufferInt(ByteOrder order, long offset) throws InvalidBufferOffsetException, UnsupportedMessageException {
        return bytes(offset, 4).get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(order), offset);
    }

    @ExportMessage
    void writeBufferInt(ByteOrder order, long offset, int value) throws InvalidBufferOffsetException, UnsupportedMessageException {
        bytes(offset, 4).set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(order), offset, value);
    }

    @ExportMessage
    long readBufferLong(ByteOrder order, long offset) throws InvalidBufferOffsetException, UnsupportedMessageException {
        return bytes(offset, 8).get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), offset);
    }

    @ExportMessage
    void writeBufferLong(ByteOrder order, long offset, long value) throws InvalidBufferOffsetException, UnsupportedMessageException {
        bytes(offset, 8).set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), offset, value);
    }

    @ExportMessage
    float readBufferFloat(ByteOrder order, long offset) throws InvalidBufferOffsetException, UnsupportedMessageException {
        return bytes(offset, 4).get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), offset);
    }

    @ExportMessage
    void writeBufferFloat(ByteOrder order, long offset, float value) throws InvalidBufferOffsetException, UnsupportedMessageException {
        bytes(offset, 4).set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), offset, value);
    }

    @ExportMessage
    double readBufferDouble(ByteOrder order, long offset) throws InvalidBufferOffsetException, UnsupportedMessageException {
        return bytes(offset, 8).get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order), offset);
    }

    @ExportMessage
    void writeBufferDouble(ByteOrder order, long offset, double value) throws InvalidBufferOffsetException, UnsupportedMessageException {
        bytes(offset, 8).set(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order), offset, value);
    }

    @ExportMessage
    @TruffleBoundary
    Object toDisplayString(@SuppressWarnings("unused") boolean allowSideEffects) {
        return "tensor '" + name + "' " + tensor.dtype() + tensor.shapeString() + (tensor.isClosed() ? " (closed)" : "");
    }
}
