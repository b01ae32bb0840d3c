package dev.dnnrun.accel.backends.cuda;

import java.util.EnumSet;
import java.util.Set;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.tck.BackendContractTest;
import dev.dnnrun.accel.tck.Sample;

/**
 * The backend contract for CUDA: 2-D float32 MatMul and Gemm. Without a GPU the checks that run a segment are
 * skipped (after checking that compile declines with the reason); supports, declines and hostile segments still run.
 */
class CudaContractTest extends BackendContractTest {
    @Override
    protected Accelerator accelerator() {
        return new CudaAccelerator();
    }

    @Override
    protected Set<Sample> claims() {
        return EnumSet.of(Sample.MATMUL, Sample.GEMM_TRANSB_BIAS, Sample.MATMUL_GEMM);
    }
}
