package dev.dnnrun.accel.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.UnsupportedSegmentException;

class BufferPlanTest {

    @Test
    void chainReusesBuffersOnceTheirLastReaderRan() throws Exception {
        // in -> a -> b -> c -> out: a's buffer is free again when c is written.
        BufferPlan p = new BufferPlan();
        p.value("a", 100);
        p.value("b", 100);
        p.value("c", 80);
        p.step("a", List.of("in"), null);
        p.step("b", List.of("a"), null);
        p.step("c", List.of("b"), null);
        p.step("out", List.of("c"), null);
        BufferPlan.Assignment a = p.assign();
        assertArrayEquals(new long[] { 100, 100 }, a.bufferBytes());
        assertNotEquals(a.bufferOf().get("a"), a.bufferOf().get("b"), "a step never writes a buffer it reads");
        assertEquals(a.bufferOf().get("a"), a.bufferOf().get("c"));
        assertEquals(200, a.totalBytes());
        assertEquals(Set.of(), a.inPlaceSteps());
    }

    @Test
    void smallestFittingBufferIsTaken() throws Exception {
        BufferPlan p = new BufferPlan();
        p.value("big", 400);
        p.value("small", 40);
        p.value("x", 100);
        p.value("y", 30);
        p.step("big", List.of("in"), null);
        p.step("small", List.of("in"), null);
        p.step("out", List.of("big", "small"), null); // both free now
        p.step("y", List.of("in"), null);
        p.step("x", List.of("y"), null);
        p.step("out2", List.of("x"), null);
        BufferPlan.Assignment a = p.assign();
        assertEquals(a.bufferOf().get("small"), a.bufferOf().get("y"));
        assertEquals(a.bufferOf().get("big"), a.bufferOf().get("x"));
        assertEquals(440, a.totalBytes());
    }

    @Test
    void reusableValueIsOverwrittenOnlyWhereItDies() throws Exception {
        // s = conv(x) + r: r dies at that step, so s takes over its buffer.
        BufferPlan p = new BufferPlan();
        p.value("r", 64);
        p.value("s", 64);
        p.step("r", List.of("in"), null);
        int sum = p.step("s", List.of("in"), "r");
        p.step("out", List.of("s"), null);
        BufferPlan.Assignment a = p.assign();
        assertEquals(Set.of(sum), a.inPlaceSteps());
        assertEquals(a.bufferOf().get("r"), a.bufferOf().get("s"));
        assertEquals(64, a.totalBytes());

        // The same, but r is read later: it must survive, so s gets its own buffer.
        BufferPlan q = new BufferPlan();
        q.value("r", 64);
        q.value("s", 64);
        q.step("r", List.of("in"), null);
        q.step("s", List.of("in"), "r");
        q.step("out", List.of("s", "r"), null);
        BufferPlan.Assignment b = q.assign();
        assertTrue(b.inPlaceSteps().isEmpty());
        assertNotEquals(b.bufferOf().get("r"), b.bufferOf().get("s"));

        // r also read by the step itself (another operand): no aliasing between that read and the write.
        BufferPlan t = new BufferPlan();
        t.value("r", 64);
        t.value("s", 64);
        t.step("r", List.of("in"), null);
        t.step("s", List.of("r"), "r");
        t.step("out", List.of("s"), null);
        assertTrue(t.assign().inPlaceSteps().isEmpty());

        // r's buffer too small for s.
        BufferPlan u = new BufferPlan();
        u.value("r", 32);
        u.value("s", 64);
        u.step("r", List.of("in"), null);
        u.step("s", List.of("in"), "r");
        u.step("out", List.of("s"), null);
        BufferPlan.Assignment c = u.assign();
        assertTrue(c.inPlaceSteps().isEmpty());
        assertEquals(96, c.totalBytes());
    }

    @Test
    void valueNeverReadFreesItsBufferAtOnce() throws Exception {
        BufferPlan p = new BufferPlan();
        p.value("dead", 50);
        p.value("b", 50);
        p.step("dead", List.of("in"), null);
        p.step("b", List.of("in"), null);
        p.step("out", List.of("b"), null);
        assertEquals(50, p.assign().totalBytes());
    }

    @Test
    void misuseIsReported() {
        BufferPlan unwritten = new BufferPlan();
        unwritten.value("ghost", 4);
        unwritten.step("out", List.of("in"), null);
        assertEquals("value 'ghost' is never written", assertThrows(UnsupportedSegmentException.class, unwritten::assign).getMessage());
        BufferPlan early = new BufferPlan();
        early.value("v", 4);
        early.step("out", List.of("v"), null);
        early.step("v", List.of("in"), null);
        assertEquals("value 'v' is read before it is written", assertThrows(UnsupportedSegmentException.class, early::assign).getMessage());
        BufferPlan twice = new BufferPlan();
        twice.value("v", 4);
        twice.step("v", List.of("in"), null);
        twice.step("v", List.of("in"), null);
        assertThrows(UnsupportedSegmentException.class, twice::assign);
        assertThrows(IllegalArgumentException.class, () -> twice.value("v", 8));
    }
}
