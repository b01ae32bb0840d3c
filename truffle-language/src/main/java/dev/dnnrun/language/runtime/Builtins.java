package dev.dnnrun.language.runtime;

import java.io.IOException;
import java.nio.file.Path;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.interop.ArityException;
import com.oracle.truffle.api.interop.InteropException;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownIdentifierException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;

import dev.dnnrun.language.DnnContext;
import dev.dnnrun.language.DnnLanguage;
import dev.dnnrun.language.nodes.DnnException;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * The language's top-level bindings ({@code context.getBindings("dnn")}):
 * <ul>
 * <li>{@code tensor(dtype, shape, data)}: a tensor from a buffer, a flat or nested array, or nothing (zeros);</li>
 * <li>{@code readTensor(path)}: a tensor from a {@code .npy} or ONNX {@code .pb} file;</li>
 * <li>{@code writeTensor(tensor, path)}: writes a tensor as {@code .npy};</li>
 * <li>{@code allocatedBytes()}, {@code peakBytes()}: the context's tensor memory, for accounting;</li>
 * <li>{@code accelerators()}: every backend on the class path: {name, available, reason}.</li>
 * </ul>
 */
@ExportLibrary(InteropLibrary.class)
public final class Builtins implements TruffleObject {
    private static final String[] MEMBERS = {"tensor", "readTensor", "writeTensor", "allocatedBytes", "peakBytes", "accelerators"};
    private static final InteropLibrary INTEROP = InteropLibrary.getUncached();

    private final DnnContext context;

    public Builtins(DnnContext context) {
        this.context = context;
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
    boolean isMemberInvocable(String member) {
        return Members.contains(MEMBERS, member);
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return Members.contains(MEMBERS, member);
    }

    /** Reading a member gives an executable function, so {@code getMember("tensor").execute(...)} works too. */
    @ExportMessage
    @TruffleBoundary
    Object readMember(String member) throws UnknownIdentifierException {
        if (!Members.contains(MEMBERS, member)) {
            throw UnknownIdentifierException.create(member);
        }
        return new BuiltinFunction(this, member);
    }

    // Truffle requires the language's top scope to be a scope object.
    @ExportMessage
    boolean isScope() {
        return true;
    }

    @ExportMessage
    boolean hasLanguage() {
        return true;
    }

    @ExportMessage
    Class<? extends TruffleLanguage<?>> getLanguage() {
        return DnnLanguage.class;
    }

    @ExportMessage
    Object toDisplayString(@SuppressWarnings("unused") boolean allowSideEffects) {
        return "dnn builtins";
    }

    @ExportMessage
    Object invokeMember(String member, Object[] args) throws UnknownIdentifierException, ArityException {
        if (!Members.contains(MEMBERS, member)) {
            throw UnknownIdentifierException.create(member);
        }
        return call(member, args);
    }

    /** Runs builtin {@code member}, one of MEMBERS. */
    @TruffleBoundary
    Object call(String member, Object[] args) throws ArityException {
        try {
            return switch (member) {
                case "tensor" -> makeTensor(args);
                case "readTensor" -> {
                    arity(args, 1);
                    String path = INTEROP.asString(args[0]);
                    yield new TensorObject(context, Path.of(path).getFileName().toString(),
                                    TensorFiles.read(Path.of(path), context.allocator()));
                }
                case "writeTensor" -> {
                    arity(args, 2);
                    if (!(args[0] instanceof TensorObject t)) {
                        throw new DnnException("writeTensor: the first argument must be a dnn tensor");
                    }
                    TensorFiles.writeNpy(t.tensor(), Path.of(INTEROP.asString(args[1])));
                    yield true;
                }
                case "allocatedBytes" -> context.allocatedBytes();
                case "peakBytes" -> context.peakBytes();
                case "accelerators" -> {
                    java.util.List<Object> list = new java.util.ArrayList<>();
                    for (dev.dnnrun.accel.Accelerator a : context.acceleratorsByName().values()) {
                        String why = dev.dnnrun.accel.Accelerators.unavailableReason(a);
                        list.add(RecordObject.of(new String[]{"name", "available", "reason"}, new Object[]{a.name(), why == null,
                                        why == null ? "" : why}));
                    }
                    yield new InteropArray(list.toArray());
                }
                default -> throw new IllegalStateException("unknown builtin " + member);
            };
        } catch (IOException e) {
            throw new DnnException(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new DnnException(member + ": " + e.getMessage());
        } catch (ArityException e) {
            throw e;
        } catch (InteropException e) {
            throw new DnnException(member + ": " + e.getMessage());
        }
    }

    private static void arity(Object[] args, int n) throws ArityException {
        if (args.length != n) {
            throw ArityException.create(n, n, args.length);
        }
    }

    private TensorObject makeTensor(Object[] args) throws InteropException {
        if (args.length < 2 || args.length > 3) {
            throw ArityException.create(2, 3, args.length);
        }
        DType dtype = DType.fromName(INTEROP.asString(args[0]));
        if (dtype == null) {
            throw new DnnException("tensor: unknown dtype '" + INTEROP.asString(args[0]) + "'");
        }
        long n = INTEROP.getArraySize(args[1]);
        long[] shape = new long[(int) n];
        for (int i = 0; i < n; i++) {
            shape[i] = INTEROP.asLong(INTEROP.readArrayElement(args[1], i));
        }
        Tensor t;
        if (args.length == 2) {
            t = Tensor.zeros(context.allocator(), dtype, shape);
        } else if (TensorFactory.isRawBuffer(args[2])) {
            t = TensorFactory.fromBuffer(context.allocator(), dtype, shape, args[2]);
        } else {
            t = TensorFactory.fromFlat(context.allocator(), dtype, shape, args[2], 0);
        }
        return new TensorObject(context, "tensor", t);
    }
}
