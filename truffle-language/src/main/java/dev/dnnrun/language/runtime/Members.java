package dev.dnnrun.language.runtime;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;

/** A member-name list, as interop's getMembers wants it. */
@ExportLibrary(InteropLibrary.class)
final class Members implements TruffleObject {
    private final String[] names;

    Members(String... names) {
        this.names = names;
    }

    @TruffleBoundary
    static boolean contains(String[] names, String member) {
        for (String n : names) {
            if (n.equals(member)) {
                return true;
            }
        }
        return false;
    }

    @ExportMessage
    boolean hasArrayElements() {
        return true;
    }

    @ExportMessage
    long getArraySize() {
        return names.length;
    }

    @ExportMessage
    boolean isArrayElementReadable(long index) {
        return index >= 0 && index < names.length;
    }

    @ExportMessage
    Object readArrayElement(long index) {
        return names[(int) index];
    }
}
