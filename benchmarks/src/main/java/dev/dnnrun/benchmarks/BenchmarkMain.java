package dev.dnnrun.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH suites with the project's Truffle JVM flags in every fork and prints dnnrun's time as a ratio of
 * ONNX Runtime's, measured in the same run, with each side's peak memory.
 * <pre>benchmarks/run.sh [jmh include regex, e.g. KernelBenchmark] [-p model=resnet50] [-wi N] [-i N] [-f N]</pre>
 */
public final class BenchmarkMain {
    private BenchmarkMain() {
    }

    public static void main(String[] args) throws IOException, RunnerException {
        String include = LightModelBenchmark.class.getSimpleName();
        Path peaks = Files.createTempFile("dnnrun-peaks", ".tsv");
        ChainedOptionsBuilder options = new OptionsBuilder()
                        .jvmArgsAppend(jvmArgs(peaks))
                        .warmupIterations(5).warmupTime(TimeValue.seconds(2))
                        .measurementIterations(5).measurementTime(TimeValue.seconds(2))
                        .forks(1).threads(1);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-p" -> {
                    String[] kv = args[++i].split("=", 2);
                    options.param(kv[0], kv[1].split(","));
                }
                case "-wi" -> options.warmupIterations(Integer.parseInt(args[++i]));
                case "-i" -> options.measurementIterations(Integer.parseInt(args[++i]));
                case "-f" -> options.forks(Integer.parseInt(args[++i]));
                default -> include = args[i];
            }
        }
        options.include(include);
        Collection<RunResult> results = new Runner(options.build()).run();
        report(results, peaks);
    }

    private static void report(Collection<RunResult> results, Path peaks) throws IOException {
        Map<String, Double> ort = new LinkedHashMap<>();
        Map<String, Map<String, Double>> dnn = new LinkedHashMap<>();
        for (RunResult r : results) {
            if (!r.getParams().getBenchmark().contains(LightModelBenchmark.class.getSimpleName())) {
                continue; // other suites (KernelBenchmark) have only JMH's own table
            }
            String method = r.getParams().getBenchmark().replaceAll(".*\\.", "");
            String model = r.getParams().getParam("model");
            double ms = r.getPrimaryResult().getScore();
            if (method.equals("dnnrun")) {
                dnn.computeIfAbsent(model, k -> new LinkedHashMap<>()).put(r.getParams().getParam("accel"), ms);
            } else {
                ort.put(model, ms);
            }
        }
        if (dnn.isEmpty() && ort.isEmpty()) {
            Files.deleteIfExists(peaks);
            return;
        }
        System.out.println();
        System.out.println("model        dnnrun accel   dnnrun ms   onnxruntime ms   ratio (dnnrun / onnxruntime)");
        for (Map.Entry<String, Map<String, Double>> m : dnn.entrySet()) {
            Double o = ort.get(m.getKey());
            for (Map.Entry<String, Double> a : m.getValue().entrySet()) {
                System.out.printf("%-12s %-12s %9.2f   %14s   %s%n", m.getKey(), a.getKey(), a.getValue(),
                                o == null ? "-" : String.format("%.2f", o), o == null ? "-" : String.format("%.2fx", a.getValue() / o));
            }
        }
        System.out.println();
        System.out.println("peak memory per fork: runtime, model, peak RSS MiB, peak tensor MiB (dnnrun's Arrow allocator)");
        for (String line : Files.readAllLines(peaks)) {
            String[] f = line.split("\t");
            long tensor = Long.parseLong(f[3]);
            System.out.printf("  %-16s %-12s %8.1f %10s%n", f[0], f[1], Long.parseLong(f[2]) / 1048576.0,
                            tensor < 0 ? "-" : String.format("%.1f", tensor / 1048576.0));
        }
        Files.deleteIfExists(peaks);
    }

    /** Fork JVM arguments: {@link #forkFlags(int)} on one thread, plus the file each fork appends its peak memory to.
     *  JMH keeps only the last jvmArgsAppend call, so they are passed together. */
    static String[] jvmArgs(Path peaks) throws IOException {
        List<String> list = forkFlags(1);
        list.add("-Dbench.peaks=" + peaks);
        return list.toArray(new String[0]);
    }

    /** The flags from the root pom (resource-filtered into this module) and {@code threads} threads for every side:
     *  dnnrun's kernels, oneDNN (OpenMP) and OpenBLAS; ONNX Runtime's intra-op threads are set by its session. */
    static List<String> forkFlags(int threads) throws IOException {
        return forkFlags(threads, false);
    }

    /** As {@link #forkFlags(int)}; with {@code jit} also the flags that make Graal compile the model's AST, as
     *  {@code bin/dnnrun --jit} does. */
    static List<String> forkFlags(int threads, boolean jit) throws IOException {
        List<String> list = new ArrayList<>(resourceFlags("/dnnrun-jvm-flags.txt"));
        if (jit) {
            list.addAll(resourceFlags("/dnnrun-jit-flags.txt"));
        }
        list.add("-Ddnnrun.threads=" + threads);
        list.add("-Ddnnrun.onednn.threads=" + threads);
        list.add("-Ddnnrun.openblas.threads=" + threads);
        list.add("-Xmx4g");
        return list;
    }

    private static List<String> resourceFlags(String resource) throws IOException {
        try (InputStream in = BenchmarkMain.class.getResourceAsStream(resource)) {
            String flags = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return List.of(flags.split("\\s+"));
        }
    }
}
