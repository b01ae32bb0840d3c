package dev.dnnrun.accel;

import java.util.List;
import java.util.Map;

import dev.dnnrun.tensor.Tensor;

/**
 * One operator as a backend sees it. Attribute values are Long, Double, String, long[], double[], String[] or
 * Tensor. {@code inputs} and {@code outputs} name values ("" for an omitted optional input); their types come from
 * {@link #inputType} and {@link #outputType}; {@link #constant} gives a constant input's data (initializers).
 */
public record OpView(String name, String opType, String domain, int opsetVersion, Map<String, Object> attributes,
                List<String> inputs, List<String> outputs, List<TensorType> inputTypes, List<TensorType> outputTypes,
                Map<String, Tensor> constantInputs) {

    public TensorType inputType(int i) {
        return i < inputTypes.size() ? inputTypes.get(i) : null;
    }

    public TensorType outputType(int i) {
        return i < outputTypes.size() ? outputTypes.get(i) : null;
    }

    public boolean hasInput(int i) {
        return i < inputs.size() && !inputs.get(i).isEmpty();
    }

    /** The data of input {@code i} when it is a constant, else null. */
    public Tensor constant(int i) {
        return hasInput(i) ? constantInputs.get(inputs.get(i)) : null;
    }

    public long intAttr(String key, long defaultValue) {
        Object v = attributes.get(key);
        return v instanceof Long l ? l : defaultValue;
    }

    public double floatAttr(String key, double defaultValue) {
        Object v = attributes.get(key);
        return v instanceof Double d ? d : defaultValue;
    }

    public String stringAttr(String key, String defaultValue) {
        Object v = attributes.get(key);
        return v instanceof String s ? s : defaultValue;
    }

    public long[] intsAttr(String key) {
        Object v = attributes.get(key);
        return v instanceof long[] a ? a.clone() : null;
    }

    /** "Conv 'conv1'", for messages. */
    public String describe() {
        return opType + (name == null || name.isEmpty() ? "" : " '" + name + "'");
    }
}
