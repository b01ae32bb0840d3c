package dev.dnnrun.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

class RecyclingAllocatorTest {

    @Test
    void aReleasedBufferIsHandedOutAgainForTheSameSizeOnly() {
        try (BufferAllocator root = new RootAllocator(); RecyclingAllocator pool = new RecyclingAllocator(root)) {
            ArrowBuf a = pool.buffer(100);
            a.close();
            ArrowBuf again = pool.buffer(100);
            assertSame(a, again);
            ArrowBuf other = pool.buffer(100); // the first is held: a second buffer of the size
            assertNotSame(again, other);
            ArrowBuf bigger = pool.buffer(101);
            assertNotSame(a, bigger);
            again.close();
            other.close();
            bigger.close();
            assertEquals(root.getAllocatedMemory(), pool.idleBytes());
        }
    }

    @Test
    void aTensorObjectIsReopenedOnlyOnceEveryViewIsClosed() {
        try (BufferAllocator root = new RootAllocator(); RecyclingAllocator pool = new RecyclingAllocator(root)) {
            Tensor t = Tensor.allocate(pool, DType.FLOAT, 2, 3);
            Tensor view = t.view(6);
            t.close();
            Tensor second = Tensor.allocate(pool, DType.FLOAT, 2, 3);
            assertNotSame(t, second, "the view still reads the first buffer");
            view.close();
            second.close();
            Tensor reopened = Tensor.allocate(pool, DType.FLOAT, 2, 3);
            assertSame(t, reopened);
            reopened.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 5, 1f);
            Tensor otherShape = Tensor.allocate(pool, DType.FLOAT, 3, 2);
            assertEquals(2, otherShape.dim(1));
            reopened.close();
            otherShape.close();
        }
    }

    @Test
    void idleBuffersAreFreedAfterIdleCallsAndCloseLeavesHeldOnesToTheirHolders() {
        try (BufferAllocator root = new RootAllocator()) {
            RecyclingAllocator pool = new RecyclingAllocator(root);
            pool.buffer(64).close();
            ArrowBuf held = pool.buffer(32);
            for (int i = 0; i <= RecyclingAllocator.IDLE_CALLS; i++) {
                pool.endCall();
            }
            assertEquals(0, pool.idleBytes());
            assertEquals(32, root.getAllocatedMemory(), "the idle 64 bytes were given back, the held 32 kept");
            pool.close();
            assertEquals(32, root.getAllocatedMemory());
            held.close();
            assertEquals(0, root.getAllocatedMemory());
            assertThrows(IllegalStateException.class, () -> pool.buffer(8));
        }
    }
}
