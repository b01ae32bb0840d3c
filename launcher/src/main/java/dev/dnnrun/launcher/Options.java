package dev.dnnrun.launcher;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parsed command line of {@code dnnrun}, and its usage text. */
final class Options {
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
                          --profile           time every operator node and accelerator segment; print the time per
                                              operator type and per segment with the backend it ran on (per timed
                                              run with -n, otherwise over all runs)
                          --accel LIST        accelerators in priority order, e.g. onednn,openblas,cpu; 'cpu' (default)
                                              uses dnnrun's own kernels only (needs no native library, and was the
                                              fastest on most models measured: see README), 'auto' every available
                                              backend
                          --fallback POLICY   when a backend cannot run its segment, or a requested backend is
                                              unavailable: 'warn' (default) runs it on the cpu and says so, 'quiet'
                                              runs it on the cpu silently, 'error' fails with the backend's reason
                          --list-accel        list the accelerators on the class path and whether they can run here
                          --explain           after the first run, print the segments (backend, ops, shapes, state) and,
                                              for every operator left on the cpu, each accelerator's reason
                          --placement FILE    replay a placement (JSON written by --placement-out) instead of partitioning
                          --placement-out FILE  write the placement as JSON
                          --graph-out FILE    write the graph coloured by backend: FILE.dot, or FILE.svg (needs Graphviz)
                          --jit               let Graal compile the model's AST (Truffle partial evaluation) once it is
                                              hot; without it the AST is interpreted and only the kernels are compiled,
                                              by the JVM's JIT: faster to the first results, less memory, and as fast
                                              in steady state on the models measured (see README, Benchmarks)
                      -v, --verbose           print the engine implementation and stack traces on errors
                      -h, --help              print this text
                          --version           print the versions of dnnrun, the dnn language and the engine

                    Exit status: 0 ok, 1 the model or an input could not be loaded or run, 2 bad command line.
                    JVM options: set EXTRA_JVM_FLAGS for bin/dnnrun.
                    """;

    String model;
    final Map<String, String> inputs = new LinkedHashMap<>();
    final Map<String, Long> dims = new LinkedHashMap<>();
    Path outputDir;
    int iterations;
    int warmup;
    boolean verbose;
    boolean jit;
    boolean profile;
    boolean explain;
    boolean listAccel;
    String accel = "cpu";
    String fallback = "warn";
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
                case "--jit" -> o.jit = true;
                case "--profile" -> o.profile = true;
                case "--explain" -> o.explain = true;
                case "--list-accel" -> o.listAccel = true;
                case "-i", "--input", "-o", "--output-dir", "-n", "--iterations", "--warmup", "--dim", "--accel", "--fallback",
                                "--placement", "--placement-out", "--graph-out" -> {
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
            case "--fallback" -> {
                if (!List.of("warn", "quiet", "error").contains(value)) {
                    throw new UsageException("--fallback expects warn, quiet or error, got '" + value + "'");
                }
                fallback = value;
            }
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

    /** A bad command line; exit status 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
