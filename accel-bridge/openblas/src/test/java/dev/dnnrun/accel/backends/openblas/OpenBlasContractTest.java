package dev.dnnrun.accel.backends.openblas;

import java.util.EnumSet;
import java.util.Set;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.tck.BackendContractTest;
import dev.dnnrun.accel.tck.Sample;

/** The backend contract for OpenBLAS: float32 MatMul and Gemm. */
class OpenBlasContractTest extends BackendContractTest {
    @Override
    protected Accelerator accelerator() {
        return new OpenBlasAccelerator();
    }

    @Override
    protected Set<Sample> claims() {
        return EnumSet.of(Sample.MATMUL, Sample.GEMM_TRANSB_BIAS, Sample.MATMUL_GEMM);
    }
}
