package dev.dnnrun.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Load time, first result and warm-up curve of dnnrun beside ONNX Runtime, each measured in a fresh JVM: JMH's
 * warm-up iterations hide class loading, JIT compilation and first-run costs, which are what a user meets first.
 * Writes a markdown table (stdout and {@code warmup.md}), the raw curves ({@code curves.tsv}) and one SVG plot per
 * model into the output directory.
 * Models are light models or generated ones ({@link MobileModels}: mobilenet, textdet, textrec).
 * dnnrun runs as the launcher runs it (the model's AST interpreted, kernels compiled by the JVM) and, with
 * {@code --jit on|both}, also with Graal compiling the AST ({@code bin/dnnrun --jit}).
 * <pre>benchmarks/run.sh warmup [--models squeezenet,resnet50] [--threads 1,2] [--accel cpu|onednn] [--jit off|on|both]
 *                         [--calls 200] [--tail 50] [--out target/warmup]</pre>
 */
public final class WarmupCurve {
    private WarmupCurve() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            WarmupChild.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        List<String> models = List.of("squeezenet", "resnet50");
        List<Integer> threads = List.of(1, 2);
        String accel = "cpu";
        int calls = 200;
        int tail = 50;
        String jit = "both";
        Path out = Path.of("target/warmup");
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                usage("option " + args[i] + " needs a value");
            }
            switch (args[i++]) {
                case "--models" -> models = List.of(value.split(","));
                case "--threads" -> threads = Arrays.stream(value.split(",")).map(Integer::valueOf).toList();
                case "--accel" -> accel = value;
                case "--calls" -> calls = Integer.parseInt(value);
                case "--tail" -> tail = Integer.parseInt(value);
                case "--jit" -> jit = value;
                case "--out" -> out = Path.of(value);
                default -> usage("unknown option " + args[i - 1]);
            }
        }
        if (calls < 1 || tail < 1) {
            usage("--calls and --tail must be at least 1");
        }
        List<String> runtimes = switch (jit) {
            case "off" -> List.of("dnnrun", "ort");
            case "on" -> List.of("dnnrun-jit", "ort");
            case "both" -> List.of("dnnrun", "dnnrun-jit", "ort");
            default -> throw new IllegalArgumentException("--jit takes off, on or both, not '" + jit + "'");
        };
        List<Path> files = new ArrayList<>();
        for (String model : models) {
            files.add(ModelFiles.resolve(model)); // writes generated models; a missing file fails here, before any JVM starts
        }
        Files.createDirectories(out);
        List<WarmupRun> runs = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            for (int t : threads) {
                for (String runtime : runtimes) {
                    String name = runtime.equals("ort") ? "onnxruntime" : runtime.replace("dnnrun", "dnnrun-" + accel);
                    System.err.printf("warmup: %s %s, %d thread(s), %d calls ...%n", models.get(m), name, t, calls);
                    long startedAt = System.currentTimeMillis();
                    String fields = runChild(runtime, files.get(m), t, accel, calls, out.resolve(models.get(m) + "-" + name + "-t" + t + ".log"));
                    runs.add(WarmupRun.parse(models.get(m), name, t, tail, startedAt, fields));
                }
            }
        }
        String table = WarmupReport.markdown(runs, calls, tail);
        System.out.println(table);
        Files.writeString(out.resolve("warmup.md"), table);
        Files.writeString(out.resolve("curves.tsv"), WarmupReport.tsv(runs));
        for (String model : models) {
            Path svg = out.resolve("warmup-" + model + ".svg");
            Files.writeString(svg, WarmupPlot.svg(model, runs.stream().filter(r -> r.model().equals(model)).toList()));
            System.err.println("warmup: wrote " + svg);
        }
    }

    /** Starts {@code java <dnnrun flags> -cp <this classpath> WarmupCurve --child ...}; its stderr goes to {@code log}. */
    private static String runChild(String runtime, Path model, int threads, String accel, int calls, Path log)
                    throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(BenchmarkMain.forkFlags(threads, runtime.equals("dnnrun-jit")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), WarmupCurve.class.getName(), "--child",
                        runtime.equals("ort") ? "ort" : "dnnrun",
                        model.toAbsolutePath().toString(), Integer.toString(threads), accel, Integer.toString(calls)));
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.startsWith(WarmupChild.MARK)) {
                    result = line.substring(WarmupChild.MARK.length());
                } else {
                    System.out.println(line);
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || result == null) {
            List<String> err = Files.readAllLines(log);
            throw new IllegalStateException(runtime + " on " + model + " failed (exit " + rc + ", no result line); last lines of "
                            + log + ":\n  " + String.join("\n  ", err.subList(Math.max(0, err.size() - 15), err.size())));
        }
        return result;
    }

    private static void usage(String problem) {
        throw new IllegalArgumentException(problem + "; usage: benchmarks/run.sh warmup [--models squeezenet,resnet50]"
                        + " [--threads 1,2] [--accel cpu|onednn] [--jit off|on|both] [--calls 200] [--tail 50] [--out target/warmup]");
    }
}
