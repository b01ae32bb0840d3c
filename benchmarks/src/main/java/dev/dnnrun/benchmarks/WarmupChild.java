package dev.dnnrun.benchmarks;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/**
 * The measured side of {@link WarmupCurve}: runs in a fresh JVM, loads one model in one runtime, times each of the
 * first N calls and prints one result line, so that nothing another measurement loaded or compiled is reused.
 * <p>Line: {@link #MARK}, then tab-separated: wall-clock ms at main (the parent subtracts its own clock at the
 * process start; /proc's start time is only to the second), runtime start ns (dnnrun: building the
 * {@code Context}; ONNX Runtime: {@code OrtEnvironment}, which loads the native library), load ns ({@code
 * context.eval} / {@code createSession}), peak RSS bytes (VmHWM), and the comma-separated ns of each call.
 */
final class WarmupChild {
    static final String MARK = "WARMUP-RESULT\t";

    private WarmupChild() {
    }

    /** Arguments: {@code dnnrun|ort MODEL_FILE THREADS ACCEL CALLS}. */
    static void main(String[] args) throws Exception {
        long mainAt = System.currentTimeMillis();
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: --child dnnrun|ort MODEL_FILE THREADS ACCEL CALLS");
        }
        Path model = Path.of(args[1]);
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("model file not found: " + model);
        }
        int threads = Integer.parseInt(args[2]);
        int calls = Integer.parseInt(args[4]);
        CallMeter meter = new CallMeter(calls);
        long[] ns = switch (args[0]) {
            case "dnnrun" -> dnnrun(model, args[3], calls, meter);
            case "ort" -> ort(model, threads, calls, meter);
            default -> throw new IllegalArgumentException("unknown runtime '" + args[0] + "' (dnnrun or ort)");
        };
        StringBuilder line = new StringBuilder(MARK).append(mainAt).append('\t').append(ns[0]).append('\t').append(ns[1])
                        .append('\t').append(ns[2]).append('\t');
        join(line, ns, 3);
        join(line.append('\t'), meter.collections, 0);
        join(line.append('\t'), meter.allocated, 0);
        System.out.println(line);
    }

    private static void join(StringBuilder line, long[] values, int from) {
        for (int i = from; i < values.length; i++) {
            line.append(i > from ? "," : "").append(values[i]);
        }
    }

    /** Per call: collections so far (all collectors) and the bytes the calling thread allocated. */
    private static final class CallMeter {
        private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        private final com.sun.management.ThreadMXBean thread = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long[] collections;
        final long[] allocated;
        private long allocatedBefore;

        CallMeter(int calls) {
            collections = new long[calls];
            allocated = new long[calls];
        }

        void before() {
            allocatedBefore = thread.getCurrentThreadAllocatedBytes();
        }

        void after(int call) {
            allocated[call] = thread.getCurrentThreadAllocatedBytes() - allocatedBefore;
            long n = 0;
            for (GarbageCollectorMXBean c : collectors) {
                n += c.getCollectionCount();
            }
            collections[call] = n;
        }
    }

    /** {start ns, load ns, peak RSS, call ns...}. Threads come from {@code -Ddnnrun.threads} (BenchmarkMain's flags). */
    private static long[] dnnrun(Path model, String accel, int calls, CallMeter meter) throws Exception {
        long[] ns = new long[3 + calls];
        long t0 = System.nanoTime();
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).option("dnn.Accel", accel).build()) {
            long t1 = System.nanoTime();
            Value compiled = context.eval(Source.newBuilder("dnn", model.toFile()).build());
            long t2 = System.nanoTime();
            ns[0] = t1 - t0;
            ns[1] = t2 - t1;
            Value input = ModelInputs.dnnrun(context, compiled);
            double sink = 0;
            for (int i = 0; i < calls; i++) {
                meter.before();
                long s = System.nanoTime();
                Value out = compiled.execute(input).getArrayElement(0);
                sink += out.getArrayElement(0).asDouble();
                out.invokeMember("close");
                ns[3 + i] = System.nanoTime() - s;
                meter.after(i);
            }
            ns[2] = ModelFiles.peakRss();
            System.err.println("dnnrun sink " + sink);
        }
        return ns;
    }

    private static long[] ort(Path model, int threads, int calls, CallMeter meter) throws Exception {
        long[] ns = new long[3 + calls];
        long t0 = System.nanoTime();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long t1 = System.nanoTime();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(model.toString(), options)) {
                long t2 = System.nanoTime();
                ns[0] = t1 - t0;
                ns[1] = t2 - t1;
                String inputName = session.getInputNames().iterator().next();
                double sink = 0;
                try (OnnxTensor input = ModelInputs.ort(env, session)) {
                    for (int i = 0; i < calls; i++) {
                        meter.before();
                        long s = System.nanoTime();
                        try (OrtSession.Result r = session.run(Map.of(inputName, input))) {
                            sink += ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
                        }
                        ns[3 + i] = System.nanoTime() - s;
                        meter.after(i);
                    }
                }
                ns[2] = ModelFiles.peakRss();
                System.err.println("ort sink " + sink);
            }
        }
        return ns;
    }
}
