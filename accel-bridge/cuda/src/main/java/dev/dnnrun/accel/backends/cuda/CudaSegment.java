package dev.dnnrun.accel.backends.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.support.Gemm;
import dev.dnnrun.accel.support.NativeSegment;
import dev.dnnrun.tensor.Tensor;

/** A compiled MatMul/Gemm chain: device buffers for every value, the weights already uploaded. */
final class CudaSegment extends NativeSegment {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Where a Gemm's C comes from before the sgemm adds beta * y: nothing, a device buffer, or a segment input. */
    private record Step(GemmCall call, float alpha, float beta, long a, long b, long y, long yBytes, long biasDevice,
                    int biasInput, long[] biasShape, int rows, int cols) {
    }

    private final long cublas;
    private final List<Long> allocations = new ArrayList<>();
    private final Arena host = Arena.ofShared(); // scratch for C expanded from a segment input
    private final long[] inputDevice, outputDevice;
    private final List<Step> steps = new ArrayList<>();
    private final MemorySegment[] biasScratch;
    /** Bytes of each device buffer, by value name: checked against every use before a kernel reads it. */
    private final Map<String, Long> deviceBytes = new HashMap<>();

    CudaSegment(Segment segment) throws UnsupportedSegmentException {
        super(segment);
        long handle = 0;
        try {
            handle = Cuda.cublasCreate();
            Map<String, Long> device = new HashMap<>();
            int nIn = segment.inputs().size();
            inputDevice = new long[nIn];
            for (int i = 0; i < nIn; i++) {
                inputDevice[i] = alloc(inputBytes(i));
                device.put(segment.inputs().get(i), inputDevice[i]);
                deviceBytes.put(segment.inputs().get(i), inputBytes(i));
            }
            biasScratch = new MemorySegment[segment.ops().size()];
            for (OpView op : segment.ops()) {
                steps.add(plan(segment, op, device));
            }
            int nOut = segment.outputs().size();
            outputDevice = new long[nOut];
            for (int i = 0; i < nOut; i++) {
                Long d = device.get(segment.outputs().get(i));
                if (d == null) {
                    throw new IllegalArgumentException("output '" + segment.outputs().get(i) + "' is not computed here");
                }
                outputDevice[i] = d;
            }
        } catch (RuntimeException | UnsupportedSegmentException e) {
            try {
                freeAll(handle);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        this.cublas = handle;
    }

    private Step plan(Segment segment, OpView op, Map<String, Long> device) throws UnsupportedSegmentException {
        Gemm g = Gemm.of(op, op.inputType(0).shape(), op.inputType(1).shape());
        long m = g.rows(), n = g.cols();
        long[] ys = op.outputType(0).shape();
        if (ys.length != 2 || ys[0] != m || ys[1] != n) {
            throw new IllegalArgumentException(op.describe() + ": output shape does not match " + m + "x" + n);
        }
        GemmCall call = GemmCall.rowMajor(m, n, g.inner(), g.transA(), g.transB());
        long a = operand(segment, op, 0, device), b = operand(segment, op, 1, device);
        long yBytes = bytes(op.outputType(0));
        long y = alloc(yBytes);
        device.put(op.outputs().get(0), y);
        deviceBytes.put(op.outputs().get(0), yBytes);
        float alpha = g.alpha(), beta = g.beta();
        if (!op.hasInput(2)) {
            return new Step(call, alpha, 0f, a, b, y, yBytes, 0, -1, null, (int) m, (int) n);
        }
        String cName = op.inputs().get(2);
        long[] cs = op.inputType(2).shape();
        checkBroadcast(op, cs, m, n);
        Tensor constant = segment.constants().get(cName);
        int inputIndex = segment.inputs().indexOf(cName);
        if (constant != null) {
            if (constant.elementCount() != Tensor.elementCount(cs)) {
                throw new IllegalArgumentException("constant '" + cName + "' does not have the shape of its type");
            }
            // Broadcast once on the host, upload once: each run then starts from a device-to-device copy.
            try (Arena tmp = Arena.ofConfined()) {
                MemorySegment full = tmp.allocate(yBytes);
                expand(constant.segment(), cs, (int) m, (int) n, full);
                long d = alloc(yBytes);
                Cuda.memcpy(d, full.address(), yBytes, Cuda.MEMCPY_HOST_TO_DEVICE);
                return new Step(call, alpha, beta, a, b, y, yBytes, d, -1, cs, (int) m, (int) n);
            }
        }
        if (inputIndex >= 0) {
            biasScratch[steps.size()] = host.allocate(yBytes);
            return new Step(call, alpha, beta, a, b, y, yBytes, 0, inputIndex, cs, (int) m, (int) n);
        }
        if (cs.length == 2 && cs[0] == m && cs[1] == n && device.containsKey(cName)) { // computed here, full size
            requireBytes(op, cName, yBytes);
            return new Step(call, alpha, beta, a, b, y, yBytes, device.get(cName), -1, cs, (int) m, (int) n);
        }
        throw new IllegalArgumentException(op.describe() + ": a broadcast C computed inside the segment is not supported");
    }

    private long operand(Segment segment, OpView op, int i, Map<String, Long> device) {
        String name = op.inputs().get(i);
        Long d = device.get(name);
        if (d != null) {
            requireBytes(op, name, bytes(op.inputType(i)));
            return d;
        }
        Tensor constant = segment.constants().get(name);
        if (constant == null) {
            throw new IllegalArgumentException(op.describe() + ": input '" + name + "' is neither a segment input, "
                            + "a constant nor computed earlier");
        }
        long bytes = bytes(op.inputType(i));
        if (constant.byteSize() != bytes) {
            throw new IllegalArgumentException("constant '" + name + "' holds " + constant.byteSize() + " bytes, its type "
                            + bytes);
        }
        long dev = alloc(bytes);
        Cuda.memcpy(dev, constant.segment().address(), bytes, Cuda.MEMCPY_HOST_TO_DEVICE);
        device.put(name, dev);
        deviceBytes.put(name, bytes);
        return dev;
    }

    /** The device buffer of {@code name} must hold the {@code bytes} that {@code op} reads from it. */
    private void requireBytes(OpView op, String name, long bytes) {
        Long have = deviceBytes.get(name);
        if (have == null || have < bytes) {
            throw new IllegalArgumentException(op.describe() + ": '" + name + "' has " + have + " bytes on the device, the op reads "
                            + bytes);
        }
    }

    @Override
    protected void run(MemorySegment[] in, MemorySegment[] out) {
        for (int i = 0; i < in.length; i++) {
            Cuda.memcpy(inputDevice[i], in[i].address(), inputBytes(i), Cuda.MEMCPY_HOST_TO_DEVICE);
        }
        for (int s = 0; s < steps.size(); s++) {
            Step st = steps.get(s);
            if (st.biasInput >= 0) {
                expand(in[st.biasInput], st.biasShape, st.rows, st.cols, biasScratch[s]);
                Cuda.memcpy(st.y, biasScratch[s].address(), st.yBytes, Cuda.MEMCPY_HOST_TO_DEVICE);
            } else if (st.biasDevice != 0) {
                Cuda.memcpy(st.y, st.biasDevice, st.yBytes, Cuda.MEMCPY_DEVICE_TO_DEVICE);
            }
            Cuda.rowMajorSgemm(cublas, st.call, st.alpha, st.a, st.b, st.beta, st.y);
        }
        // cudaMemcpy to the host waits for the sgemms queued before it on the default stream.
        for (int i = 0; i < out.length; i++) {
            Cuda.memcpy(out[i].address(), outputDevice[i], outputBytes(i), Cuda.MEMCPY_DEVICE_TO_HOST);
        }
    }

    @Override
    protected void release() {
        freeAll(cublas); // NativeSegment calls it once: a second cudaFree would free native memory twice
    }

    /** Frees everything even when a call fails (after a sticky CUDA error every call does); rethrows the first failure. */
    private void freeAll(long handle) {
        RuntimeException first = null;
        for (long d : allocations) {
            try {
                Cuda.free(d);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        allocations.clear();
        if (handle != 0) {
            try {
                Cuda.cublasDestroy(handle);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (host.scope().isAlive()) {
            host.close();
        }
        if (first != null) {
            throw first;
        }
    }

    private long alloc(long bytes) {
        long d = Cuda.malloc(bytes);
        allocations.add(d);
        return d;
    }

    private static long bytes(TensorType t) {
        return Tensor.elementCount(t.shape()) * t.dtype().byteSize;
    }

    /** C (rank 0-2) must broadcast to rows x cols: sizes aligned from the right, each 1 or equal. */
    static void checkBroadcast(OpView op, long[] cs, long rows, long cols) {
        long cr = cs.length == 2 ? cs[0] : 1, cc = cs.length >= 1 ? cs[cs.length - 1] : 1;
        if ((cr != 1 && cr != rows) || (cc != 1 && cc != cols)) {
            throw new IllegalArgumentException(op.describe() + ": C of shape " + java.util.Arrays.toString(cs)
                            + " does not broadcast to " + rows + "x" + cols);
        }
    }

    /** Writes C broadcast to rows x cols (row-major) into dst. */
    static void expand(MemorySegment c, long[] cs, int rows, int cols, MemorySegment dst) {
        long cr = cs.length == 2 ? cs[0] : 1, cc = cs.length >= 1 ? cs[cs.length - 1] : 1;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                long src = (cr == 1 ? 0 : i) * cc + (cc == 1 ? 0 : j);
                dst.setAtIndex(F32, (long) i * cols + j, c.getAtIndex(F32, src));
            }
        }
    }
}
