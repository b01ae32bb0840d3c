package dev.dnnrun.accel.backends.cuda;

import java.util.List;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.Support;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.support.Shapes;
import dev.dnnrun.tensor.DType;

/**
 * float32 MatMul (2-D) and Gemm on an NVIDIA GPU through cuBLAS, bound with java.lang.foreign. Weights go to the
 * device once, at compile; each execution copies the segment's inputs over, runs one sgemm per operator with
 * intermediates left on the device, and copies the outputs back. Built everywhere; where libcudart, libcublas or a
 * device is missing, {@link #unavailableReason()} says which and nothing native is called.
 */
public final class CudaAccelerator implements Accelerator {

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String unavailableReason() {
        try {
            return Cuda.PROBLEM;
        } catch (Throwable t) { // static initialisation failed in a way the probe did not foresee
            return "CUDA could not be initialised: " + t;
        }
    }

    @Override
    public Support supports(OpView op) {
        if (op.domain() != null && !op.domain().isEmpty() && !op.domain().equals("ai.onnx")) {
            return Support.no("only ai.onnx MatMul and Gemm run on cuda");
        }
        if (!op.opType().equals("MatMul") && !op.opType().equals("Gemm")) {
            return Support.no("the cuda backend runs only MatMul and Gemm (cuBLAS sgemm)");
        }
        for (List<TensorType> types : List.of(op.inputTypes(), op.outputTypes())) {
            for (TensorType t : types) {
                if (t != null && t.dtype() != DType.FLOAT) {
                    return Support.no("dtype " + t.dtype().displayName + ": the cuda backend runs float32 only");
                }
            }
        }
        TensorType a = op.inputType(0), b = op.inputType(1);
        if (a == null || b == null || a.shape() == null || b.shape() == null || a.rank() != 2 || b.rank() != 2) {
            return Support.no("only 2-D operands run on cuda (batched and 1-D MatMul stay on the CPU)");
        }
        TensorType c = op.hasInput(2) ? op.inputType(2) : null;
        if (c != null && (c.shape() == null || c.rank() > 2)) {
            return Support.no("Gemm's C must have rank 0 to 2");
        }
        return Support.yes();
    }

    @Override
    public CompiledSegment compile(Segment segment) throws UnsupportedSegmentException {
        // Validated first, in Java, so a bad segment is declined before any native call (and also where no GPU is).
        for (OpView op : segment.ops()) {
            Support s = supports(op);
            if (!s.supported()) {
                throw new UnsupportedSegmentException(op.describe() + ": " + s.reason());
            }
        }
        Shapes.checkConsistent(segment);
        String reason = unavailableReason();
        if (reason != null) {
            throw new UnsupportedSegmentException(reason);
        }
        try {
            return new CudaSegment(segment);
        } catch (RuntimeException e) {
            throw new UnsupportedSegmentException("cuda: " + e.getMessage(), e);
        }
    }

}
