package dev.dnnrun.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/**
 * One inference of a model (an ONNX light model, 1x3x224x224, or one of the generated {@link MobileModels}; float32,
 * input arange(n)/n in the model's own input shape), single-threaded, through dnnrun
 * (polyglot API, compiled AST; on its own kernels and with segments on oneDNN) and through ONNX Runtime Java, in the
 * same run. Each runtime has its own state, so a
 * fork loads only the runtime it measures; at the end each fork appends its peak resident memory (and, for
 * dnnrun, the peak of tensor memory) to the file named by {@code -Dbench.peaks}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LightModelBenchmark {
    @State(Scope.Benchmark)
    public static class DnnRun {
        @Param({"resnet50", "squeezenet", "mobilenet", "textdet", "textrec"})
        public String model;
        /** dnnrun's own kernels, or segments swapped to oneDNN (single-threaded, see BenchmarkMain). */
        @Param({"cpu", "onednn"})
        public String accel;
        Context context;
        Value compiled;
        Value input;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            context = Context.newBuilder("dnn").allowAllAccess(true).option("dnn.Accel", accel).build();
            compiled = context.eval(Source.newBuilder("dnn", ModelFiles.resolve(model).toFile()).build());
            input = ModelInputs.dnnrun(context, compiled);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            long tensorPeak = context.getBindings("dnn").getMember("peakBytes").execute().asLong();
            recordPeak("dnnrun-" + accel, model, tensorPeak);
            context.close();
        }
    }

    @State(Scope.Benchmark)
    public static class OnnxRuntime {
        @Param({"resnet50", "squeezenet", "mobilenet", "textdet", "textrec"})
        public String model;
        OrtEnvironment env;
        OrtSession session;
        OnnxTensor input;
        String inputName;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(ModelFiles.resolve(model).toString(), options);
            inputName = session.getInputNames().iterator().next();
            input = ModelInputs.ort(env, session);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            recordPeak("onnxruntime", model, -1);
            input.close();
            session.close();
        }
    }

    @Benchmark
    public double dnnrun(DnnRun s) {
        Value out = s.compiled.execute(s.input).getArrayElement(0);
        double first = out.getArrayElement(0).asDouble();
        out.invokeMember("close");
        return first;
    }

    @Benchmark
    public double onnxruntime(OnnxRuntime s) throws Exception {
        try (OrtSession.Result r = s.session.run(Map.of(s.inputName, s.input))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
        }
    }

    static void recordPeak(String runtime, String model, long tensorPeak) throws java.io.IOException {
        String peaks = System.getProperty("bench.peaks");
        if (peaks != null) {
            String line = runtime + "\t" + model + "\t" + ModelFiles.peakRss() + "\t" + tensorPeak + "\n";
            Files.writeString(Path.of(peaks), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
