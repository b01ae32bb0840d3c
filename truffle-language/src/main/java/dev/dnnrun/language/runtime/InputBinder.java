package dev.dnnrun.language.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.oracle.truffle.api.interop.InteropException;
import com.oracle.truffle.api.interop.InteropLibrary;

import dev.dnnrun.language.graph.ValueType;
import dev.dnnrun.language.nodes.DnnException;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Turns the arguments of a model call into input tensors and checks them against the model's declared inputs
 * (dtype, rank, fixed sizes, and one size per symbolic dimension name), so a wrong input is reported by name
 * before any kernel runs. Tensors made here from arrays or buffers are released after the call.
 */
final class InputBinder {
    private static final InteropLibrary INTEROP = InteropLibrary.getUncached();

    record Bound(Tensor[] tensors, List<Tensor> owned) implements AutoCloseable {
        @Override
        public void close() {
            for (Tensor t : owned) {
                t.close();
            }
        }
    }

    private InputBinder() {
    }

    static Bound bind(ModelObject model, Object[] args) {
        List<String> names = model.graph().inputs();
        Object[] values = args;
        if (args.length == 1 && names.size() != 1 || args.length == 1 && isNameMap(args[0])) {
            values = byName(model, args[0], names);
        }
        if (values.length != names.size()) {
            throw new DnnException(model.name() + ": the model takes " + names.size() + " inputs " + names + ", got "
                            + values.length);
        }
        List<Tensor> owned = new ArrayList<>();
        Tensor[] tensors = new Tensor[values.length];
        Map<String, Long> symbols = new HashMap<>();
        try {
            for (int i = 0; i < values.length; i++) {
                ValueType declared = model.graph().typeOf(names.get(i));
                tensors[i] = toTensor(model, names.get(i), values[i], declared, owned);
                check(model, names.get(i), tensors[i], declared, symbols);
            }
        } catch (RuntimeException e) {
            new Bound(tensors, owned).close();
            throw e;
        }
        return new Bound(tensors, owned);
    }

    private static boolean isNameMap(Object arg) {
        return !(arg instanceof TensorObject) && INTEROP.hasMembers(arg) && !INTEROP.hasArrayElements(arg)
                        && !INTEROP.hasBufferElements(arg);
    }

    private static Object[] byName(ModelObject model, Object map, List<String> names) {
        if (!isNameMap(map)) {
            throw new DnnException(model.name() + ": the model takes " + names.size() + " inputs " + names
                            + "; pass one value per input, or one object mapping input names to values");
        }
        Object[] values = new Object[names.size()];
        try {
            for (int i = 0; i < names.size(); i++) {
                if (!INTEROP.isMemberReadable(map, names.get(i))) {
                    throw new DnnException(model.name() + ": input '" + names.get(i) + "' is missing");
                }
                values[i] = INTEROP.readMember(map, names.get(i));
            }
        } catch (InteropException e) {
            throw new DnnException(model.name() + ": cannot read inputs: " + e.getMessage());
        }
        return values;
    }

    private static Tensor toTensor(ModelObject model, String name, Object value, ValueType declared, List<Tensor> owned) {
        if (value instanceof TensorObject t) {
            return t.tensor();
        }
        DType dtype = declared != null && declared.dtype() != null ? declared.dtype() : DType.FLOAT;
        Tensor t;
        try {
            if (TensorFactory.isRawBuffer(value)) {
                t = fromBuffer(model, name, value, declared, dtype);
            } else {
                t = TensorFactory.fromValue(model.context().allocator(), dtype, value);
            }
        } catch (InteropException e) {
            throw new DnnException(model.name() + ": input '" + name + "' cannot be read: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new DnnException(model.name() + ": input '" + name + "': " + e.getMessage());
        }
        owned.add(t);
        return t;
    }

    private static Tensor fromBuffer(ModelObject model, String name, Object value, ValueType declared, DType dtype)
                    throws InteropException {
        if (declared == null || !declared.hasStaticShape()) {
            throw new DnnException(model.name() + ": input '" + name + "' has no fixed declared shape, so a raw buffer "
                            + "cannot be used; pass a tensor made with tensor(dtype, shape, data)");
        }
        return TensorFactory.fromBuffer(model.context().allocator(), dtype, declared.dims(), value);
    }

    private static void check(ModelObject model, String name, Tensor t, ValueType declared, Map<String, Long> symbols) {
        if (declared == null) {
            return;
        }
        String where = model.name() + ": input '" + name + "'";
        if (declared.dtype() != null && t.dtype() != declared.dtype()) {
            throw new DnnException(where + " must be " + declared.dtype() + ", got " + t.dtype());
        }
        long[] dims = declared.dims();
        if (dims == null) {
            return;
        }
        if (dims.length != t.rank()) {
            throw new DnnException(where + " must have shape " + declared.shapeString() + ", got " + t.shapeString());
        }
        for (int d = 0; d < dims.length; d++) {
            if (dims[d] >= 0 && dims[d] != t.dim(d)) {
                throw new DnnException(where + " must have shape " + declared.shapeString() + ", got " + t.shapeString());
            }
            String sym = declared.dimNames() == null ? null : declared.dimNames()[d];
            if (dims[d] < 0 && sym != null) {
                Long prev = symbols.putIfAbsent(sym, t.dim(d));
                if (prev != null && prev != t.dim(d)) {
                    throw new DnnException(where + " has " + sym + "=" + t.dim(d) + " but an earlier input has " + sym + "=" + prev);
                }
            }
        }
    }
}
