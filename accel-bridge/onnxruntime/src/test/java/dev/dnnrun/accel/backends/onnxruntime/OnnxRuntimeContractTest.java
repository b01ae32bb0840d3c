package dev.dnnrun.accel.backends.onnxruntime;

import java.util.EnumSet;
import java.util.Set;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.tck.BackendContractTest;
import dev.dnnrun.accel.tck.Sample;

/** The backend contract for ONNX Runtime, which runs every sample. */
class OnnxRuntimeContractTest extends BackendContractTest {
    @Override
    protected Accelerator accelerator() {
        return new OnnxRuntimeAccelerator();
    }

    @Override
    protected Set<Sample> claims() {
        return EnumSet.allOf(Sample.class);
    }
}
