package dev.dnnrun.accel.backends.onednn;

import java.util.EnumSet;
import java.util.Set;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.tck.BackendContractTest;
import dev.dnnrun.accel.tck.Sample;

/** The backend contract for oneDNN, which runs every sample. */
class OneDnnContractTest extends BackendContractTest {
    @Override
    protected Accelerator accelerator() {
        return new OneDnnAccelerator();
    }

    @Override
    protected Set<Sample> claims() {
        return EnumSet.allOf(Sample.class);
    }
}
