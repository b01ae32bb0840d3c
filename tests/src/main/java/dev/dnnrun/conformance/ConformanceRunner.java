package dev.dnnrun.conformance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

import dev.dnnrun.language.runtime.TensorFiles;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Runs ONNX backend tests through the public polyglot API, one fresh context per test on a shared engine, and
 * compares every output with the expected file: same dtype and shape, values within rtol 1e-3 / atol 1e-7
 * (exact for integers, bool and strings; NaN matches NaN).
 */
public final class ConformanceRunner implements AutoCloseable {
    public static final double RTOL = 1e-3;
    public static final double ATOL = 1e-7;

    public enum Status { PASS, FAIL, UNSUPPORTED, ERROR }

    /** {@code accelerated}: how many of the model's segments ran compiled on an accelerator. */
    public record Result(BackendTestCase test, Status status, String detail, long millis, int accelerated) {
        Result(BackendTestCase test, Status status, String detail, long millis) {
            this(test, status, detail, millis, 0);
        }
    }

    private final Engine engine = Engine.newBuilder("dnn").option("engine.WarnInterpreterOnly", "false").build();
    private final BufferAllocator allocator = new RootAllocator();
    private final String accel;

    /** A runner on dnnrun's own kernels. */
    public ConformanceRunner() {
        this("cpu");
    }

    /** A runner with the accelerator choice {@code accel} (the dnn.Accel option: "onednn", "auto", ...). */
    public ConformanceRunner(String accel) {
        this.accel = accel;
    }

    public Result run(BackendTestCase test) {
        long start = System.nanoTime();
        Result r;
        try {
            r = runChecked(test);
        } catch (PolyglotException e) {
            r = new Result(test, classify(e.getMessage()), oneLine(e.getMessage()), 0);
        } catch (IOException | RuntimeException e) {
            r = new Result(test, Status.ERROR, oneLine(e.toString()), 0);
        }
        return new Result(test, r.status(), r.detail(), (System.nanoTime() - start) / 1_000_000, r.accelerated());
    }

    private Result runChecked(BackendTestCase test) throws IOException {
        List<Tensor> expected = new ArrayList<>();
        try (Context context = Context.newBuilder("dnn").engine(engine).allowAllAccess(true).option("dnn.Accel", accel)
                        .option("log.dnn.level", "OFF").option("dnn.CostCache", "").build()) {
            for (Path p : test.expectedOutputs()) {
                try {
                    expected.add(TensorFiles.read(p, allocator));
                } catch (IOException e) {
                    return new Result(test, Status.UNSUPPORTED, "expected output is not a tensor (" + oneLine(e.getMessage()) + ")", 0);
                }
            }
            byte[] bytes = Files.readAllBytes(test.model());
            Source source = Source.newBuilder("dnn", ByteSequence.create(bytes), test.model().toString()).build();
            Value model = context.eval(source);
            Value bindings = context.getBindings("dnn");
            List<Value> inputs = new ArrayList<>();
            if (test.generatedInput()) {
                inputs.add(arangeInput(bindings, new long[]{1, 3, 224, 224}));
            } else {
                for (Path p : test.inputs()) {
                    try {
                        inputs.add(bindings.getMember("readTensor").execute(p.toString()));
                    } catch (PolyglotException e) {
                        return new Result(test, Status.UNSUPPORTED, "input is not a tensor (" + oneLine(e.getMessage()) + ")", 0);
                    }
                }
            }
            Value outputs = model.execute(inputs.toArray());
            if (outputs.getArraySize() != expected.size()) {
                return new Result(test, Status.FAIL, "model gave " + outputs.getArraySize() + " outputs, expected " + expected.size(), 0);
            }
            for (int i = 0; i < expected.size(); i++) {
                String mismatch = compare(outputs.getArrayElement(i), expected.get(i));
                if (mismatch != null) {
                    return new Result(test, Status.FAIL, "output " + i + ": " + mismatch, 0);
                }
            }
            Value segments = model.getMember("placement").getMember("segments");
            int accelerated = 0;
            for (long i = 0; i < segments.getArraySize(); i++) {
                accelerated += segments.getArrayElement(i).getMember("state").asString().startsWith("compiled") ? 1 : 0;
            }
            return new Result(test, Status.PASS, "", 0, accelerated);
        } finally {
            for (Tensor t : expected) {
                t.close();
            }
        }
    }

    /** The light models' input: arange(n)/n as float32. */
    static Value arangeInput(Value bindings, long[] shape) {
        int n = (int) Tensor.elementCount(shape);
        ByteBuffer data = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            data.putFloat((float) i / n);
        }
        data.flip();
        return bindings.getMember("tensor").execute("float32", shape, data);
    }

    static String compare(Value actual, Tensor expected) {
        String dtype = actual.getMember("dtype").asString();
        if (!dtype.equals(expected.dtype().displayName)) {
            return "dtype " + dtype + ", expected " + expected.dtype();
        }
        Value shapeValue = actual.getMember("shape");
        long[] shape = new long[(int) shapeValue.getArraySize()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeValue.getArrayElement(i).asLong();
        }
        if (!java.util.Arrays.equals(shape, expected.shape())) {
            return "shape " + java.util.Arrays.toString(shape) + ", expected " + expected.shapeString();
        }
        DType d = expected.dtype();
        long n = expected.elementCount();
        if (d == DType.STRING) {
            for (long i = 0; i < n; i++) {
                String a = actual.getArrayElement(i).asString();
                if (!a.equals(expected.strings()[(int) i])) {
                    return "element " + i + " is \"" + a + "\", expected \"" + expected.strings()[(int) i] + "\"";
                }
            }
            return null;
        }
        byte[] bytes = new byte[(int) expected.byteSize()];
        actual.readBuffer(0, bytes, 0, bytes.length);
        java.lang.foreign.MemorySegment got = java.lang.foreign.MemorySegment.ofArray(bytes);
        int reported = 0;
        StringBuilder msg = new StringBuilder();
        long bad = 0;
        for (long i = 0; i < n; i++) {
            boolean ok;
            String a;
            String e;
            if (d.isFloating() || d.isFloat8()) {
                double x = d.getDouble(got, i);
                double y = expected.getDouble(i);
                ok = (Double.isNaN(x) && Double.isNaN(y)) || x == y || Math.abs(x - y) <= ATOL + RTOL * Math.abs(y);
                a = Double.toString(x);
                e = Double.toString(y);
            } else {
                long x = d.getLong(got, i);
                long y = expected.getLong(i);
                ok = x == y;
                a = Long.toString(x);
                e = Long.toString(y);
            }
            if (!ok) {
                bad++;
                if (reported++ < 3) {
                    msg.append(reported > 1 ? "; " : "").append("[").append(i).append("] ").append(a).append(" vs ").append(e);
                }
            }
        }
        return bad == 0 ? null : bad + " of " + n + " elements differ: " + msg;
    }

    static Status classify(String message) {
        String m = message == null ? "" : message;
        if (m.contains("unsupported operator") || m.contains("unsupported data type") || m.contains("unsupported ai.onnx opset")
                        || m.contains("unsupported IR version") || m.contains("imports no opset") || m.contains("not supported")) {
            return Status.UNSUPPORTED;
        }
        return Status.ERROR;
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String line = s.replace('\n', ' ').replaceAll("\\s+", " ");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    @Override
    public void close() {
        engine.close();
        allocator.close();
    }
}
