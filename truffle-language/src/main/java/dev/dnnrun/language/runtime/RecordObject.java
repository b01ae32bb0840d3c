package dev.dnnrun.language.runtime;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;

/**
 * A read-only object with named members and, optionally, the same values as array elements: model metadata
 * ({@code {name, dtype, shape}}) and a call's outputs (by position and by output name).
 */
@ExportLibrary(InteropLibrary.class)
public final class RecordObject implements TruffleObject {
    private final String[] keys;
    private final Object[] values;
    private final boolean indexable;

    private RecordObject(String[] keys, Object[] values, boolean indexable) {
        this.keys = keys;
        this.values = values;
        this.indexable = indexable;
    }

    public static RecordObject of(String[] keys, Object[] values) {
        return new RecordObject(keys, values, false);
    }

    /** Members by key, and also array elements in key order. */
    public static RecordObject indexed(String[] keys, Object[] values) {
        return new RecordObject(keys, values, true);
    }

    public Object get(int index) {
        return values[index];
    }

    @ExportMessage
    boolean hasMembers() {
        return true;
    }

    @ExportMessage
    Object getMembers(@SuppressWarnings("unused") boolean includeInternal) {
        return new Members(keys);
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return Members.contains(keys, member);
    }

    @ExportMessage
    @TruffleBoundary
    Object readMember(String member) throws UnknownIdentifierException {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i].equals(member)) {
                return values[i];
            }
        }
        throw UnknownIdentifierException.create(member);
    }

    @ExportMessage
    boolean hasArrayElements() {
        return indexable;
    }

    @ExportMessage
    long getArraySize() {
        return indexable ? values.length : 0;
    }

    @ExportMessage
    boolean isArrayElementReadable(long index) {
        return indexable && index >= 0 && index < values.length;
    }

    @ExportMessage
    Object readArrayElement(long index) throws com.oracle.truffle.api.interop.InvalidArrayIndexException {
        if (!isArrayElementReadable(index)) {
            throw com.oracle.truffle.api.interop.InvalidArrayIndexException.create(index);
        }
        return values[(int) index];
    }
}
