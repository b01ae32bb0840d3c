package dev.dnnrun.benchmarks;

import java.util.List;
import java.util.Locale;

/** The text of {@link WarmupCurve}'s results: a markdown table readable on its own, and the raw curves as TSV. */
final class WarmupReport {
    private WarmupReport() {
    }

    static String markdown(List<WarmupRun> runs, int calls, int tail) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Each row one fresh JVM, %d calls; steady state = the last %d calls.%n%n", calls,
                        Math.min(tail, calls)));
        b.append("| model | runtime | threads | JVM to main ms | runtime start ms | load ms | first call ms | start+load+first ms"
                        + " | median ms | p90 ms | p90/median | warm from call | GCs in steady state | KB allocated per call"
                        + " | peak RSS MiB |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (WarmupRun r : runs) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.0f | %.0f | %.1f | %.0f | %.2f | %.2f | %.2f | %d | %d | %.1f | %.0f |%n",
                            r.model(), r.runtime(), r.threads(), r.toMainMs(), r.startMs(), r.loadMs(), r.firstMs(),
                            r.toFirstResultMs(), r.medianMs(), r.p90Ms(), r.p90Ms() / r.medianMs(), r.warmAfterCall(),
                            r.steadyCollections(), r.steadyAllocatedPerCall() / 1024.0, r.peakRssMiB()));
        }
        b.append("\ndnnrun / ONNX Runtime:\n\n");
        b.append("| model | dnnrun | threads | load | first call | start+load+first | median | p90 | peak RSS |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (WarmupRun d : runs) {
            if (d.runtime().equals("onnxruntime")) {
                continue;
            }
            for (WarmupRun o : runs) {
                if (o.runtime().equals("onnxruntime") && o.model().equals(d.model()) && o.threads() == d.threads()) {
                    b.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1fx | %.1fx | %.1fx | %.2fx | %.2fx | %.1fx |%n",
                                    d.model(), d.runtime(), d.threads(), d.loadMs() / o.loadMs(), d.firstMs() / o.firstMs(),
                                    d.toFirstResultMs() / o.toFirstResultMs(), d.medianMs() / o.medianMs(),
                                    d.p90Ms() / o.p90Ms(), d.peakRssMiB() / o.peakRssMiB()));
                }
            }
        }
        b.append("\nruntime start: building the polyglot Context / OrtEnvironment.getEnvironment() (loads the native library);")
                        .append(" load: context.eval of the model / createSession;\nwarm from call: the first call from which the rolling")
                        .append(" median of ").append(WarmupRun.WINDOW).append(" calls stays within 10% of the steady median;")
                        .append(" GCs in steady state: collections during those calls, by any thread (the JIT compilers' garbage included);\n")
                        .append("KB allocated per call: median over those calls, on the calling thread; peak RSS: VmHWM at the end.\n");
        return b.toString();
    }

    /** One line per run: model, runtime, threads, then each call's ms. */
    static String tsv(List<WarmupRun> runs) {
        StringBuilder b = new StringBuilder("model\truntime\tthreads\tcall ms...\n");
        for (WarmupRun r : runs) {
            b.append(r.model()).append('\t').append(r.runtime()).append('\t').append(r.threads());
            for (double ms : r.callMs()) {
                b.append('\t').append(String.format(Locale.ROOT, "%.3f", ms));
            }
            b.append('\n');
        }
        return b.toString();
    }
}
