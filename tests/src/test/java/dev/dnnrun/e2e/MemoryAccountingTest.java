package dev.dnnrun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/**
 * Proves the memory contract with the allocator's own accounting: after a call only the model's constants, the
 * outputs the caller holds and the model's idle working memory (kept for the next call, reported in its stats) are
 * allocated; later calls reuse that memory; closing the outputs and the model returns everything, also when a
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
            // The output [8, 3] float32 (96 bytes, which Arrow rounds up to a power of two) is the only new
            // allocation the caller holds; MatMul's intermediate went back to the model's working memory.
            long output = Long.highestOneBit(8 * 3 * 4 - 1) * 2;
            long workspace = workspaceBytes(model);
            assertEquals(output, workspace, "MatMul's [8, 3] result is kept for the next call");
            assertEquals(withInput + output + workspace, allocated(dnn), "intermediates leaked");

            y.invokeMember("close");
            assertEquals(withInput + workspaceBytes(model), allocated(dnn));
            // Later calls reuse those buffers: nothing more is allocated.
            for (int i = 0; i < 3; i++) {
                model.execute(x).getArrayElement(0).invokeMember("close");
            }
            assertEquals(withInput + 2 * output, allocated(dnn), "a later call allocated instead of reusing");
            assertEquals(2 * output, workspaceBytes(model));
            x.invokeMember("close");
            assertEquals(constants + workspaceBytes(model), allocated(dnn));
            model.invokeMember("close");
            assertEquals(0, dnn.getMember("allocatedBytes").execute().asLong());
        }
    }

    @Test
    void failedCallReleasesItsIntermediates() {
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value dnn = context.getBindings("dnn");
            Value model = TestModels.load(context, TestModels.mlp(), "mlp");
            long before = allocated(dnn) - workspaceBytes(model);
            // Wrong inner dimension: rejected by the input check before any kernel runs.
            Value bad = dnn.getMember("tensor").execute("float32", new long[]{2, 5});
            PolyglotException e = assertThrows(PolyglotException.class, () -> model.execute(bad));
            assertTrue(e.getMessage().contains("input 'x'") && e.getMessage().contains("[N, 4]"), e.getMessage());
            bad.invokeMember("close");
            assertEquals(before, allocated(dnn) - workspaceBytes(model));
        }
    }

    private static long allocated(Value dnn) {
        return dnn.getMember("allocatedBytes").execute().asLong();
    }

    private static long workspaceBytes(Value model) {
        return model.getMember("stats").getMember("workspaceBytes").asLong();
    }
}
