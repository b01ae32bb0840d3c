package dev.dnnrun.launcher;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Language;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * The {@code dnnrun} command: loads an ONNX model into the {@code dnn} language through the polyglot API, runs it
 * on inputs from files or generated ones, and prints (and optionally saves and times) the outputs. It only knows
 * the polyglot API; the language itself is found on the class path at run time.
 */
public final class DnnRun {
    static final String LANGUAGE = "dnn";
    /** The language's byte MIME type; naming it makes any file name load as a model, not only *.onnx. */
    private static final String MIME_TYPE = "application/x-onnx";
    /** Values printed per output. */
    private static final int SHOW = 8;

    static final String USAGE = """
                    Usage: dnnrun [options] model.onnx

                    Runs an ONNX model and prints each output's name, dtype, shape, first values and checksums
                    (sum of the elements and sum of their absolute values).

                    Options:
                      -i, --input NAME=FILE   input NAME from a .npy file or an ONNX TensorProto .pb file (repeatable);
                                              inputs not given are generated: floats arange(n)/n, integers i % 10,
                                              bools i % 2 (the ONNX light models' reference input for floats)
                          --dim NAME=N        size of the symbolic dimension NAME in generated inputs (default 1)
                      -o, --output-dir DIR    write every output to DIR/<name>.npy
                      -n, --iterations N      after the first run, time N more runs: median and p90 latency
                          --warmup M          untimed runs before the timed ones (default 0)
                          --profile           time every operator node and print the time per operator type
                                              (per timed run with -n, otherwise over all runs)
                          --accel LIST        accelerators in priority order, e.g. onednn,openblas,cpu; 'cpu' (default)
                                              uses dnnrun's own kernels only, 'auto' every available backend
                          --list-accel        list the accelerators on the class path and whether they can run here
                          --explain           after the first run, print the segments (backend, ops, shapes, state) and,
                                              for every operator left on the cpu, each accelerator's reason
                          --placement FILE    replay a placement (JSON written by --placement-out) instead of partitioning
                          --placement-out FILE  write the placement as JSON
                          --graph-out FILE    write the graph coloured by backend: FILE.dot, or FILE.svg (needs Graphviz)
                      -v, --verbose           print the engine implementation and stack traces on errors
                      -h, --help              print this text
                          --version           print the versions of dnnrun, the dnn language and the engine

                    Exit status: 0 ok, 1 the model or an input could not be loaded or run, 2 bad command line.
                    JVM options: set EXTRA_JVM_FLAGS for bin/dnnrun.
                    """;

    private DnnRun() {
    }

    /** --list-accel: every backend on the class path, and why an unavailable one cannot run here. */
    private static int listAccelerators(PrintStream out, PrintStream err) {
        try (Context context = Context.newBuilder(LANGUAGE).allowAllAccess(true).out(out).err(err).build()) {
            Value list = context.getBindings(LANGUAGE).invokeMember("accelerators");
            out.printf(Locale.ROOT, "  %-12s %s%n", "cpu", "available (dnnrun's own kernels; always the fallback)");
            for (long i = 0; i < list.getArraySize(); i++) {
                Value a = list.getArrayElement(i);
                out.printf(Locale.ROOT, "  %-12s %s%n", a.getMember("name").asString(),
                                a.getMember("available").asBoolean() ? "available" : "unavailable: " + a.getMember("reason").asString());
            }
            return 0;
        }
    }

    public static void main(String[] args) {
        // Arrow logs through SLF4J; without a provider SLF4J prints a three-line warning on every run.
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /** The whole command; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (UsageException e) {
            err.println("dnnrun: " + e.getMessage());
            err.println("Try 'dnnrun --help' for the options.");
            return 2;
        }
        if (options.help) {
            out.print(USAGE);
            return 0;
        }
        if (options.version) {
            return printVersion(out, err);
        }
        if (options.listAccel) {
            return listAccelerators(out, err);
        }
        File file = new File(options.model);
        String problem = !file.exists() ? "no such file" : file.isDirectory() ? "is a directory"
                        : !file.canRead() ? "cannot read the file (permission denied)" : null;
        if (problem != null) {
            err.println("dnnrun: " + options.model + ": " + problem);
            return 1;
        }
        Context.Builder builder = Context.newBuilder(LANGUAGE).allowAllAccess(true).out(out).err(err)
                        .option("dnn.Profile", Boolean.toString(options.profile)).option("dnn.Accel", options.accel);
        if (options.placement != null) {
            builder.option("dnn.Placement", options.placement);
        }
        try (Context context = builder.build()) {
            return new Session(options, context, out, err).run(file);
        } catch (PolyglotException e) {
            return report(e, options, err);
        } catch (LauncherError e) {
            err.println("dnnrun: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            // Context.newBuilder("dnn") fails this way when the language is missing from the class path.
            err.println("dnnrun: " + e.getMessage());
            if (options.verbose) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    /** Problem lines of a load error printed without --verbose. */
    private static final int MAX_PROBLEMS = 10;

    /**
     * Prints a polyglot error as one "dnnrun: model: problem" line, naming the model as the user did. A load error
     * with several problems lists them below, indented, the first few unless --verbose.
     */
    private static int report(PolyglotException e, Options options, PrintStream err) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        String shown = withUserPath(message, options.model);
        String[] lines = shown.split("\n");
        StringBuilder sb = new StringBuilder("dnnrun: ").append(lines[0]);
        int limit = options.verbose ? lines.length : Math.min(lines.length, MAX_PROBLEMS + 1);
        for (int i = 1; i < limit; i++) {
            sb.append('\n').append(lines[i]);
        }
        if (limit < lines.length) {
            sb.append("\n  ... and ").append(lines.length - limit).append(" more (--verbose lists all)");
        }
        if (e.isInternalError() || e.isHostException()) {
            sb.append(options.verbose ? " (internal error)" : " (internal error; --verbose prints the stack trace)");
        }
        err.println(sb);
        if (options.verbose) {
            e.printStackTrace(err);
        }
        return 1;
    }

    /** The language names the model by its full path; show the path as typed, and add it where it is missing. */
    static String withUserPath(String message, String model) {
        File file = new File(model);
        List<String> forms = new ArrayList<>(List.of(file.getAbsolutePath(), file.toPath().toAbsolutePath().normalize().toString()));
        try {
            forms.add(file.getCanonicalPath());
        } catch (IOException e) {
            // the other forms still apply
        }
        for (String form : forms) {
            if (message.startsWith(form + ":")) {
                return model + message.substring(form.length());
            }
        }
        return message.startsWith(model + ":") ? message : model + ": " + message;
    }

    private static int printVersion(PrintStream out, PrintStream err) {
        out.println("dnnrun " + launcherVersion());
        try (Engine engine = Engine.newBuilder(LANGUAGE).option("engine.WarnInterpreterOnly", "false").build()) {
            Language language = engine.getLanguages().get(LANGUAGE);
            out.println("language " + LANGUAGE + " " + language.getVersion() + " (" + language.getName() + ")");
            out.println("engine GraalVM polyglot " + engine.getVersion() + ", " + engine.getImplementationName() + " runtime");
        } catch (IllegalArgumentException e) {
            err.println("dnnrun: " + e.getMessage());
            return 1;
        }
        out.println("java " + System.getProperty("java.vm.name") + " " + Runtime.version());
        return 0;
    }

    static String launcherVersion() {
        try (InputStream in = DnnRun.class.getResourceAsStream("/dnnrun-launcher.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // fall through: the version is informational only
        }
        return "unknown";
    }

    /** A problem with the model's inputs or files that is not a polyglot error; exit status 1. */
    static final class LauncherError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LauncherError(String message) {
            super(message);
        }
    }

    /** A bad command line; exit status 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** The parsed command line. */
    static final class Options {
        String model;
        final Map<String, String> inputs = new LinkedHashMap<>();
        final Map<String, Long> dims = new LinkedHashMap<>();
        Path outputDir;
        int iterations;
        int warmup;
        boolean verbose;
        boolean profile;
        boolean explain;
        boolean listAccel;
        String accel = "cpu";
        String placement;
        Path placementOut;
        Path graphOut;
        boolean help;
        boolean version;

        static Options parse(String[] args) throws UsageException {
            Options o = new Options();
            boolean optionsEnded = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                    if (o.model != null) {
                        throw new UsageException("more than one model given: " + o.model + ", " + arg);
                    }
                    o.model = arg;
                    continue;
                }
                if (arg.equals("--")) {
                    optionsEnded = true;
                    continue;
                }
                String name = arg;
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    name = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                }
                switch (name) {
                    case "-h", "--help" -> o.help = true;
                    case "--version" -> o.version = true;
                    case "-v", "--verbose" -> o.verbose = true;
                    case "--profile" -> o.profile = true;
                    case "--explain" -> o.explain = true;
                    case "--list-accel" -> o.listAccel = true;
                    case "-i", "--input", "-o", "--output-dir", "-n", "--iterations", "--warmup", "--dim", "--accel", "--placement",
                                    "--placement-out", "--graph-out" -> {
                        if (value == null) {
                            if (i + 1 >= args.length) {
                                throw new UsageException("option " + name + " needs a value");
                            }
                            value = args[++i];
                        }
                        o.set(name, value);
                    }
                    default -> throw new UsageException("unknown option " + name);
                }
            }
            if (o.model == null && !o.help && !o.version && !o.listAccel) {
                throw new UsageException("no model given");
            }
            return o;
        }

        private void set(String name, String value) throws UsageException {
            switch (name) {
                case "-i", "--input" -> {
                    String[] kv = pair(name, value, "NAME=FILE");
                    if (inputs.put(kv[0], kv[1]) != null) {
                        throw new UsageException("input '" + kv[0] + "' given twice");
                    }
                }
                case "--dim" -> {
                    String[] kv = pair(name, value, "NAME=N");
                    dims.put(kv[0], number(name, kv[1]));
                }
                case "-o", "--output-dir" -> outputDir = Path.of(value);
                case "-n", "--iterations" -> iterations = (int) Math.min(number(name, value), Integer.MAX_VALUE);
                case "--warmup" -> warmup = (int) Math.min(number(name, value), Integer.MAX_VALUE);
                case "--accel" -> accel = value;
                case "--placement" -> placement = value;
                case "--placement-out" -> placementOut = Path.of(value);
                case "--graph-out" -> {
                    if (!value.endsWith(".dot") && !value.endsWith(".svg")) {
                        throw new UsageException("--graph-out expects a .dot or .svg file, got '" + value + "'");
                    }
                    graphOut = Path.of(value);
                }
                default -> throw new IllegalStateException(name);
            }
        }

        private static String[] pair(String option, String value, String form) throws UsageException {
            int eq = value.indexOf('=');
            if (eq <= 0 || eq == value.length() - 1) {
                throw new UsageException(option + " expects " + form + ", got '" + value + "'");
            }
            return new String[]{value.substring(0, eq), value.substring(eq + 1)};
        }

        private static long number(String option, String value) throws UsageException {
            try {
                long n = Long.parseLong(value.trim());
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new UsageException(option + " expects a whole number >= 0, got '" + value + "'");
        }
    }

    /** One declared graph input, with the shape it gets when generated. */
    record InputSpec(String name, String dtype, long[] shape) {
    }

    /** One model run inside an open context. */
    static final class Session {
        private final Options options;
        private final Context context;
        private final PrintStream out;
        private final PrintStream err;
        private final Value bindings;
        /** With --profile and -n: the per-node profile counters when the timed runs began. */
        private long[][] profileAtTimedStart;

        Session(Options options, Context context, PrintStream out, PrintStream err) {
            this.options = options;
            this.context = context;
            this.out = out;
            this.err = err;
            this.bindings = context.getBindings(LANGUAGE);
        }

        int run(File file) {
            if (options.verbose) {
                err.println("dnnrun: engine implementation: " + context.getEngine().getImplementationName());
            }
            long start = System.nanoTime();
            Source source;
            try {
                // Built from the file (not bytes) so the language sees its path and finds external data beside it.
                source = Source.newBuilder(LANGUAGE, file).mimeType(MIME_TYPE).build();
            } catch (IOException e) {
                throw new LauncherError(options.model + ": cannot read the file: " + e.getMessage());
            }
            Value model = context.eval(source);
            out.printf(Locale.ROOT, "model   %s, loaded in %.1f ms%n", model, millis(start));

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
                if (options.profile) {
                    printProfile(model);
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

        /** Per operator node, in the order of the model's profile: {calls, nanos} so far. */
        private static long[][] profileCounters(Value model) {
            Value nodes = model.getMember("profile");
            long[][] counters = new long[(int) nodes.getArraySize()][];
            for (int i = 0; i < counters.length; i++) {
                Value n = nodes.getArrayElement(i);
                counters[i] = new long[] {n.getMember("calls").asLong(), n.getMember("nanos").asLong()};
            }
            return counters;
        }

        /**
         * Kernel time per operator type, largest first: per timed run when -n was given (counted from
         * {@link #profileAtTimedStart}: the first run and the warm-up are JIT warm-up, not steady state), else over all runs.
         */
        private void printProfile(Value model) {
            Value nodes = model.getMember("profile");
            Map<String, long[]> byOp = new LinkedHashMap<>();
            long total = 0;
            boolean timed = profileAtTimedStart != null;
            for (int i = 0; i < nodes.getArraySize(); i++) {
                Value n = nodes.getArrayElement(i);
                long[] start = timed ? profileAtTimedStart[i] : new long[2];
                long calls = n.getMember("calls").asLong() - start[0];
                long nanos = n.getMember("nanos").asLong() - start[1];
                long[] acc = byOp.computeIfAbsent(n.getMember("op").asString(), k -> new long[3]);
                acc[0]++;
                acc[1] += calls;
                acc[2] += nanos;
                total += nanos;
            }
            int runs = timed ? options.iterations : 1;
            out.println(timed ? "profile: kernel time per operator type, per timed run (first run and warm-up left out)"
                            : "profile: kernel time per operator type, all runs");
            out.printf(Locale.ROOT, "  %-24s %6s %8s %12s %7s%n", "op", "nodes", "calls", "ms", "share");
            long sum = Math.max(total, 1);
            byOp.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[2], a.getValue()[2])).forEach(e -> out.printf(Locale.ROOT,
                            "  %-24s %6d %8d %12.3f %6.1f%%%n", e.getKey(), e.getValue()[0], e.getValue()[1] / runs,
                            e.getValue()[2] / 1e6 / runs, 100.0 * e.getValue()[2] / sum));
            if (timed) {
                out.printf(Locale.ROOT, "  %-24s %6s %8s %12.3f%n", "total", "", "", total / 1e6 / runs);
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
            if (options.profile) {
                profileAtTimedStart = profileCounters(model);
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
}
