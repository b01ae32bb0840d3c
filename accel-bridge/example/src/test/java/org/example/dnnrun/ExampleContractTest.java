package org.example.dnnrun;

import java.util.EnumSet;
import java.util.Set;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.tck.BackendContractTest;
import dev.dnnrun.accel.tck.Sample;

/** What a vendor writes to test a backend: which one, and which of the contract's samples it runs. */
class ExampleContractTest extends BackendContractTest {
    @Override
    protected Accelerator accelerator() {
        return new ExampleAccelerator();
    }

    @Override
    protected Set<Sample> claims() {
        return EnumSet.of(Sample.RELU, Sample.ADD, Sample.MUL, Sample.ADD_RELU);
    }
}
