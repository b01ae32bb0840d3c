package dev.dnnrun.accel;

import java.util.List;

/**
 * A composite a backend runs as one unit: a chain of operator types where each operator's first input is the
 * previous one's only output and nothing else reads the intermediate values (e.g. Conv → Add → Relu).
 */
public record Pattern(String name, List<String> opTypes) {
    public Pattern {
        if (opTypes.size() < 2) {
            throw new IllegalArgumentException("a pattern chains at least two operators");
        }
        opTypes = List.copyOf(opTypes);
    }

    public static Pattern of(String name, String... opTypes) {
        return new Pattern(name, List.of(opTypes));
    }
}
