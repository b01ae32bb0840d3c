package dev.dnnrun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/**
 * Proves the memory contract with the allocator's own accounting: after a call only the model's constants and
 * the outputs the caller holds are allocated; closing the outputs and the model returns everything, also when a
 * call fails half-way.
 */
class MemoryAccountingTest {

    @Test
    void onlyConstantsAndHeldOutputsRemainAllocated() {
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value dnn = context.getBindings("dnn");
            Value model = TestModels.load(context, TestModels.mlp(), "mlp");
            long constants = dnn.getMember("allocatedBytes").execute().asLong();
            assertTrue(constants >= (12 + 3) * 4, "weights should be allocated: " + constants);

            Value x = dnn.getMember("tensor").execute("float32", new long[]{8, 4});
            long withInput = dnn.getMember("allocatedBytes").execute().asLong();
            Value y = model.execute(x).getArrayElement(0);
            long afterCall = dnn.getMember("allocatedBytes").execute().asLong();
            // The output [8, 3] float32 (96 bytes, which Arrow rounds up to a power of two) is the only new
            // allocation: MatMul's and Add's intermediates were freed.
            assertEquals(withInput + Long.highestOneBit(8 * 3 * 4 - 1) * 2, afterCall, "intermediates leaked");

            y.invokeMember("close");
            assertEquals(withInput, dnn.getMember("allocatedBytes").execute().asLong());
            x.invokeMember("close");
            assertEquals(constants, dnn.getMember("allocatedBytes").execute().asLong());
            model.invokeMember("close");
            assertEquals(0, dnn.getMember("allocatedBytes").execute().asLong());
        }
    }

    @Test
    void failedCallReleasesItsIntermediates() {
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value dnn = context.getBindings("dnn");
            Value model = TestModels.load(context, TestModels.mlp(), "mlp");
            long before = dnn.getMember("allocatedBytes").execute().asLong();
            // Wrong inner dimension: rejected by the input check before any kernel runs.
            Value bad = dnn.getMember("tensor").execute("float32", new long[]{2, 5});
            PolyglotException e = assertThrows(PolyglotException.class, () -> model.execute(bad));
            assertTrue(e.getMessage().contains("input 'x'") && e.getMessage().contains("[N, 4]"), e.getMessage());
            bad.invokeMember("close");
            assertEquals(before, dnn.getMember("allocatedBytes").execute().asLong());
        }
    }
}
