package dev.dnnrun.benchmarks;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The small models the benchmarks generate themselves, beside the ONNX light models: where the light models are
 * conv-bound CNNs at 224x224, these are the shapes of an OCR pipeline (a direction classifier, a text detector and a
 * text recogniser), whose many small ops make per-op overhead count. {@code --describe} writes them and prints
 * each one's input, output, GFLOP, parameters and file:
 * <pre>java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) dev.dnnrun.benchmarks.MobileModels --describe</pre>
 */
final class MobileModels {
    /** One generated model: its name, what it is, its input shape, and the GFLOP of a real model of its kind. */
    record Spec(String name, String description, long[] input, double quotedGflop, Function<long[], NetBuilder.Built> builder) {
        NetBuilder.Built build() {
            return builder.apply(input.clone());
        }
    }

    static final List<Spec> ALL = List.of(
                    new Spec("mobilenet", "MobileNetV3-small-style classifier: depthwise-separable inverted residuals, HardSwish, SE",
                                    new long[]{1, 3, 48, 192}, 0.03, MobileNetClassifier::build),
                    new Spec("textdet", "DBNet-style text detector: MobileNetV3 x0.5 backbone, FPN with Resize, ConvTranspose head",
                                    new long[]{1, 3, 192, 192}, 0.23, DbTextDetector::build),
                    new Spec("textrec", "SVTR-style text recogniser: patch-embedding convs, transformer blocks, per-column Softmax",
                                    new long[]{1, 3, 48, 320}, 1.4, SvtrRecognizer::build));

    private MobileModels() {
    }

    static Optional<Spec> find(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    static List<String> names() {
        return ALL.stream().map(Spec::name).toList();
    }

    /**
     * Writes the models (as the benchmarks do) and gives one line per model: name, input, output, GFLOP (2 x MACs
     * of Conv/ConvTranspose/MatMul/Gemm), parameters, file, what it is.
     */
    static String describe() {
        StringBuilder b = new StringBuilder();
        for (Spec s : ALL) {
            NetBuilder.Built m = s.build();
            b.append(String.format(Locale.ROOT, "%-9s input %-11s output %-11s %.3f GFLOP (a real model of its kind: ~%.2f)  %,d params  %s%n    %s%n",
                            s.name(), dims(s.input()), dims(m.outputShape()), m.gflop(), s.quotedGflop(), m.params(),
                            ModelFiles.generated(s), s.description()));
        }
        return b.toString();
    }

    static String dims(long[] shape) {
        StringBuilder b = new StringBuilder();
        for (long d : shape) {
            b.append(b.isEmpty() ? "" : "x").append(d);
        }
        return b.toString();
    }

    public static void main(String[] args) {
        if (args.length != 1 || !args[0].equals("--describe")) {
            throw new IllegalArgumentException("usage: MobileModels --describe");
        }
        System.out.print(describe());
    }
}
