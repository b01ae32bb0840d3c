package dev.dnnrun.language.runtime;

import com.oracle.truffle.api.interop.ArityException;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;

/** One builtin read as a value ({@code bindings.getMember("tensor")}): executing it invokes the builtin. */
@ExportLibrary(InteropLibrary.class)
final class BuiltinFunction implements TruffleObject {
    private final Builtins builtins;
    private final String name;

    BuiltinFunction(Builtins builtins, String name) {
        this.builtins = builtins;
        this.name = name;
    }

    @ExportMessage
    boolean isExecutable() {
        return true;
    }

    @ExportMessage
    Object execute(Object[] arguments) throws ArityException {
        return builtins.call(name, arguments);
    }

    @ExportMessage
    Object toDisplayString(@SuppressWarnings("unused") boolean allowSideEffects) {
        return "dnn builtin " + name;
    }
}
