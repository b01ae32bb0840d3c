package dev.dnnrun.launcher;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

import dev.dnnrun.launcher.DnnRun.LauncherError;

/**
 * One model run inside an open context: loads the model, reads or generates its inputs, runs it, prints (and
 * saves) the outputs, times further runs, and hands the reports (--profile, --explain, placement and graph files)
 * what they need.
 */
final class Session {
    /** The language's byte MIME type; naming it makes any file name load as a model, not only *.onnx. */
    private static final String MIME_TYPE = "application/x-onnx";
    /** Values printed per output. */
    private static final int SHOW = 8;

    /** One declared graph input, with the shape it gets when generated. */
    record InputSpec(String name, String dtype, long[] shape) {
    }

    private final Options options;
    private final Context context;
    private final PrintStream out;
    private final PrintStream err;
    private final Value bindings;
    /** With --profile: the model's timing, per operator type and per segment. */
    private ProfileReport profile;

    Session(Options options, Context context, PrintStream out, PrintStream err) {
        this.options = options;
        this.context = context;
        this.out = out;
        this.err = err;
        this.bindings = context.getBindings(DnnRun.LANGUAGE);
    }

    int run(File file) {
        if (options.verbose) {
            err.println("dnnrun: engine implementation: " + context.getEngine().getImplementationName());
        }
        long start = System.nanoTime();
        Source source;
        try {
            // Built from the file (not bytes) so the language sees its path and finds external data beside it.
            source = Source.newBuilder(DnnRun.LANGUAGE, file).mimeType(MIME_TYPE).build();
        } catch (IOException e) {
            throw new LauncherError(options.model + ": cannot read the file: " + e.getMessage());
        }
        Value model = context.eval(source);
        out.printf(Locale.ROOT, "model   %s, loaded in %.1f ms%n", model, millis(start));
        if (options.profile) {
            profile = new ProfileReport(model);
        }

        List<InputSpec> specs = describeInputs(model);
        Value[] inputs = loadInputs(specs);
        try {
            start = System.nanoTime();
            Value result = model.execute((Object[]) inputs);
            double first = millis(start);
            try {
                printOutputs(result);
                if (options.outputDir != null) {
                    writeOutputs(result);
                }
            } finally {
                closeAll(result);
            }
            out.printf(Locale.ROOT, "first run %.3f ms%n", first);
            if (options.iterations > 0 || options.warmup > 0) {
                time(model, inputs);
            }
            if (profile != null) {
                profile.print(out);
            }
            if (options.explain) {
                Explain.print(model.getMember("placement"), out);
            }
            if (options.placementOut != null) {
                writeFile(options.placementOut, model.getMember("placementJson").asString());
                out.println("placement written to " + options.placementOut);
            }
            if (options.graphOut != null) {
                Explain.writeGraph(model.getMember("placementDot").asString(), options.graphOut);
                out.println("graph written to " + options.graphOut);
            }
            if (options.verbose) {
                // how many calls reached compiled code shows whether the optimising runtime is at work
                Value stats = model.getMember("stats");
                err.println("dnnrun: model stats: " + stats.getMember("calls") + " calls, " + stats.getMember("compiledCalls")
                                + " in compiled code, " + stats.getMember("nodes") + " nodes");
            }
        } finally {
            for (Value v : inputs) {
                v.invokeMember("close");
            }
        }
        return 0;
    }

    private static void writeFile(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new LauncherError(file + ": cannot write: " + e.getMessage());
        }
    }

    private List<InputSpec> describeInputs(Value model) {
        Value declared = model.getMember("inputs");
        List<InputSpec> specs = new ArrayList<>();
        Set<String> symbols = new HashSet<>();
        for (long i = 0; i < declared.getArraySize(); i++) {
            Value in = declared.getArrayElement(i);
            Value shape = in.getMember("shape");
            long[] dims = new long[(int) shape.getArraySize()];
            for (int d = 0; d < dims.length; d++) {
                Value dim = shape.getArrayElement(d);
                if (dim.isString()) {
                    symbols.add(dim.asString());
                    dims[d] = options.dims.getOrDefault(dim.asString(), 1L);
                } else {
                    long size = dim.asLong();
                    dims[d] = size < 0 ? 1 : size;
                }
            }
            specs.add(new InputSpec(in.getMember("name").asString(), in.getMember("dtype").asString(), dims));
        }
        for (String name : options.dims.keySet()) {
            if (!symbols.contains(name)) {
                err.println("dnnrun: warning: --dim " + name + ": no input has a dimension named '" + name + "'");
            }
        }
        Set<String> names = new HashSet<>();
        specs.forEach(s -> names.add(s.name()));
        for (String name : options.inputs.keySet()) {
            if (!names.contains(name)) {
                throw new LauncherError("--input " + name + ": " + options.model + " has no input named '" + name
                                + "' (its inputs: " + String.join(", ", specs.stream().map(InputSpec::name).toList()) + ")");
            }
        }
        return specs;
    }

    private Value[] loadInputs(List<InputSpec> specs) {
        Value[] values = new Value[specs.size()];
        int loaded = 0;
        try {
            for (InputSpec spec : specs) {
                String path = options.inputs.get(spec.name());
                if (path != null) {
                    if (!Files.isReadable(Path.of(path))) {
                        throw new LauncherError("--input " + spec.name() + "=" + path + ": "
                                        + (Files.exists(Path.of(path)) ? "cannot read the file" : "no such file"));
                    }
                    values[loaded] = bindings.invokeMember("readTensor", path);
                    out.printf("input   %s %s%s from %s%n", spec.name(), values[loaded].getMember("dtype").asString(),
                                    Arrays.toString(shapeOf(values[loaded])), path);
                } else {
                    values[loaded] = generate(spec);
                    out.printf("input   %s %s%s generated%n", spec.name(), spec.dtype(), Arrays.toString(spec.shape()));
                }
                loaded++;
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < loaded; i++) {
                values[i].invokeMember("close");
            }
            throw e;
        }
        return values;
    }

    /** Deterministic input data: floats arange(n)/n (the ONNX light models' input), integers i % 10, bools i % 2. */
    private Value generate(InputSpec spec) {
        long count = 1;
        for (long d : spec.shape()) {
            count = Math.multiplyExact(count, d);
        }
        if (spec.dtype().equals("string")) {
            String[] data = new String[Math.toIntExact(count)];
            for (int i = 0; i < data.length; i++) {
                data[i] = Integer.toString(i % 10);
            }
            return bindings.invokeMember("tensor", spec.dtype(), spec.shape(), data);
        }
        int size = Elements.byteSize(spec.dtype());
        if (size == 0) {
            throw new LauncherError("input '" + spec.name() + "' has dtype " + spec.dtype()
                            + ", which dnnrun cannot generate; pass it with --input " + spec.name() + "=FILE");
        }
        if (count * size > Integer.MAX_VALUE) {
            throw new LauncherError("input '" + spec.name() + "' " + Arrays.toString(spec.shape())
                            + " is too large to generate; set smaller --dim sizes or pass it with --input");
        }
        int n = (int) count;
        ByteBuffer data = ByteBuffer.allocate(n * size).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            Elements.put(data, spec.dtype(), i, n);
        }
        return bindings.invokeMember("tensor", spec.dtype(), spec.shape(), data.flip());
    }

    private void printOutputs(Value result) {
        for (long i = 0; i < result.getArraySize(); i++) {
            Value t = result.getArrayElement(i);
            String dtype = t.getMember("dtype").asString();
            out.printf("output  %s %s%s%n", t.getMember("name").asString(), dtype, Arrays.toString(shapeOf(t)));
            Elements.Summary s = Elements.summarize(t, dtype, SHOW);
            long size = t.getMember("size").asLong();
            out.println("  values " + String.join(", ", s.first()) + (size > s.first().size() ? ", ... (" + size + " elements)" : ""));
            if (s.hasSums()) {
                out.printf(Locale.ROOT, "  sum %.9g  abs_sum %.9g%n", s.sum(), s.absSum());
            }
        }
    }

    private void writeOutputs(Value result) {
        Path dir = options.outputDir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LauncherError("--output-dir " + dir + ": cannot create the folder: " + e.getMessage());
        }
        Set<String> used = new HashSet<>();
        for (long i = 0; i < result.getArraySize(); i++) {
            Value t = result.getArrayElement(i);
            String base = fileName(t.getMember("name").asString());
            String name = base;
            for (int k = 1; !used.add(name); k++) {
                name = base + "_" + k;
            }
            Path target = dir.resolve(name + ".npy");
            bindings.invokeMember("writeTensor", t, target.toString());
            out.println("wrote   " + target);
        }
    }

    /** Letters, digits, '_', '.' and '-' are kept, anything else becomes '_'. */
    static String fileName(String outputName) {
        String s = outputName.replaceAll("[^A-Za-z0-9_.-]", "_");
        return s.isEmpty() ? "_" : s;
    }

    private void time(Value model, Value[] inputs) {
        for (int i = 0; i < options.warmup; i++) {
            closeAll(model.execute((Object[]) inputs));
        }
        if (options.iterations == 0) {
            out.printf("warmup  %d runs%n", options.warmup);
            return;
        }
        if (profile != null) {
            profile.timedRunsBegin(options.iterations);
        }
        double[] ms = new double[options.iterations];
        for (int i = 0; i < ms.length; i++) {
            long start = System.nanoTime();
            Value result = model.execute((Object[]) inputs);
            ms[i] = millis(start);
            closeAll(result);
        }
        Arrays.sort(ms);
        double median = ms.length % 2 == 1 ? ms[ms.length / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
        double p90 = ms[(int) Math.ceil(0.9 * ms.length) - 1];
        out.printf(Locale.ROOT, "timing  %d runs after %d warmup: median %.3f ms, p90 %.3f ms, min %.3f ms, max %.3f ms%n",
                        ms.length, options.warmup, median, p90, ms[0], ms[ms.length - 1]);
    }

    private static void closeAll(Value result) {
        for (long i = 0; i < result.getArraySize(); i++) {
            result.getArrayElement(i).invokeMember("close");
        }
    }

    private static long[] shapeOf(Value tensor) {
        Value shape = tensor.getMember("shape");
        long[] dims = new long[(int) shape.getArraySize()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.getArrayElement(i).asLong();
        }
        return dims;
    }

    private static double millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
