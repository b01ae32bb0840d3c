package dev.dnnrun.language.onnx;

import java.util.List;

/** Everything wrong with a model, found at load time, one line per problem, each naming the node and op. */
public final class ModelLoadException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String modelPath;
    private final List<String> problems;

    public ModelLoadException(String modelPath, List<String> problems) {
        super(format(modelPath, problems));
        this.modelPath = modelPath;
        this.problems = List.copyOf(problems);
    }

    public ModelLoadException(String modelPath, String problem) {
        this(modelPath, List.of(problem));
    }

    public String modelPath() {
        return modelPath;
    }

    public List<String> problems() {
        return problems;
    }

    private static String format(String path, List<String> problems) {
        if (problems.size() == 1) {
            return path + ": " + problems.get(0);
        }
        StringBuilder sb = new StringBuilder(path).append(": ").append(problems.size()).append(" problems:");
        for (String p : problems) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }
}
