package dev.dnnrun.language.graph;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.dnnrun.tensor.Tensor;

/** The attributes of a node, with typed getters that report a wrong or missing attribute by name. */
public final class Attributes {
    private final Map<String, Attribute> byName;

    public Attributes(Map<String, Attribute> byName) {
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
    }

    public static Attributes empty() {
        return new Attributes(Map.of());
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    public Collection<Attribute> all() {
        return byName.values();
    }

    public Attribute get(String name) {
        return byName.get(name);
    }

    public long getInt(String name, long defaultValue) {
        Attribute a = byName.get(name);
        return a == null ? defaultValue : (Long) expect(a, Attribute.Kind.INT);
    }

    public long requireInt(String name) {
        return (Long) expect(require(name), Attribute.Kind.INT);
    }

    public float getFloat(String name, float defaultValue) {
        Attribute a = byName.get(name);
        if (a == null) {
            return defaultValue;
        }
        return ((Double) expect(a, Attribute.Kind.FLOAT)).floatValue();
    }

    public String getString(String name, String defaultValue) {
        Attribute a = byName.get(name);
        return a == null ? defaultValue : (String) expect(a, Attribute.Kind.STRING);
    }

    /** The INTS attribute, or null when absent. */
    public long[] getInts(String name) {
        Attribute a = byName.get(name);
        return a == null ? null : ((long[]) expect(a, Attribute.Kind.INTS)).clone();
    }

    public long[] getInts(String name, long[] defaultValue) {
        long[] v = getInts(name);
        return v == null ? defaultValue : v;
    }

    public double[] getFloats(String name) {
        Attribute a = byName.get(name);
        return a == null ? null : ((double[]) expect(a, Attribute.Kind.FLOATS)).clone();
    }

    public String[] getStrings(String name) {
        Attribute a = byName.get(name);
        return a == null ? null : ((String[]) expect(a, Attribute.Kind.STRINGS)).clone();
    }

    public Tensor getTensor(String name) {
        Attribute a = byName.get(name);
        return a == null ? null : (Tensor) expect(a, Attribute.Kind.TENSOR);
    }

    public ModelGraph getGraph(String name) {
        Attribute a = byName.get(name);
        return a == null ? null : (ModelGraph) expect(a, Attribute.Kind.GRAPH);
    }

    private Attribute require(String name) {
        Attribute a = byName.get(name);
        if (a == null) {
            throw new OperatorException("missing required attribute '" + name + "'");
        }
        return a;
    }

    private static Object expect(Attribute a, Attribute.Kind kind) {
        if (a.kind() != kind) {
            throw new OperatorException("attribute '" + a.name() + "' must be " + kind + ", found " + a.kind());
        }
        return a.value();
    }
}
