package dev.dnnrun.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Collection;

import org.apache.arrow.memory.AllocationListener;
import org.apache.arrow.memory.AllocationReservation;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.BufferManager;
import org.apache.arrow.memory.rounding.RoundingPolicy;

/**
 * A model's working memory: an allocator that keeps every buffer it hands out and hands it out again, for a
 * request of the same size, once all its holders have released it. A model whose calls repeat the same sizes
 * (every call of a model with fixed shapes does) allocates on its first call and reuses from then on, so a
 * steady-state call does no native allocation and creates no Arrow bookkeeping objects; what is kept is at most
 * the peak of what was live at once, per size. A buffer left idle for {@link #IDLE_CALLS} calls is freed, so a
 * model whose shapes change does not keep the old sizes.
 *
 * <p>A handed-out buffer is the pooled {@link ArrowBuf} with one more reference: holders close (and views retain
 * and close) it as usual, and it is free again when only the pool's reference is left. Everything else is
 * delegated to the parent, whose accounting therefore includes the idle buffers ({@link #idleBytes()}).
 * Synchronised: a buffer only ever goes from held to free behind the pool's back, never the other way.
 */
public final class RecyclingAllocator implements BufferAllocator {
    /** Calls a free buffer may stay idle before it is given back to the parent. */
    public static final int IDLE_CALLS = 8;

    /** A pooled buffer, with the memory segment over its bytes made once. */
    public static final class Slot {
        final ArrowBuf buffer;
        final MemorySegment segment;
        /** The last tensor made over this buffer, which {@link Tensor} may reopen once it is closed. */
        Tensor lastTensor;
        long lastCall;

        Slot(ArrowBuf buffer, long size) {
            this.buffer = buffer;
            this.segment = MemorySegment.ofAddress(buffer.memoryAddress()).reinterpret(size);
        }

        boolean isFree() {
            return buffer.refCnt() == 1;
        }
    }

    private final BufferAllocator parent;
    /** Open addressing from exact size to the slots of that size. */
    private long[] sizes = new long[64];
    private Slot[][] slots = new Slot[64][];
    private int[] counts = new int[64];
    private int buckets;
    private long calls;
    private boolean closed;

    public RecyclingAllocator(BufferAllocator parent) {
        this.parent = parent;
    }

    /** A buffer of exactly {@code size} bytes (at least one), owned by the caller: close it when done. */
    @Override
    public ArrowBuf buffer(long size) {
        return take(size).buffer;
    }

    /** Like {@link #buffer(long)}, with the segment over the bytes, so that a tensor need not make one. */
    synchronized Slot take(long size) {
        if (closed) {
            throw new IllegalStateException("the allocator was closed");
        }
        long bytes = Math.max(1, size);
        int b = bucket(bytes);
        Slot[] list = slots[b];
        for (int i = 0; i < counts[b]; i++) {
            Slot s = list[i];
            if (s.isFree()) {
                s.buffer.getReferenceManager().retain();
                s.lastCall = calls;
                return s;
            }
        }
        Slot s = new Slot(parent.buffer(bytes), bytes); // the pool's reference
        s.buffer.getReferenceManager().retain(); // the caller's
        s.lastCall = calls;
        if (counts[b] == list.length) {
            slots[b] = list = Arrays.copyOf(list, list.length * 2);
        }
        list[counts[b]++] = s;
        return s;
    }

    /** Marks the end of a model call: buffers free since {@link #IDLE_CALLS} calls go back to the parent. */
    public synchronized void endCall() {
        calls++;
        for (int b = 0; b < sizes.length; b++) {
            Slot[] list = slots[b];
            int kept = 0;
            for (int i = 0; i < counts[b]; i++) {
                Slot s = list[i];
                if (s.isFree() && calls - s.lastCall > IDLE_CALLS) {
                    s.buffer.close();
                } else {
                    list[kept++] = s;
                }
            }
            for (int i = kept; i < counts[b]; i++) {
                list[i] = null;
            }
            counts[b] = kept;
        }
    }

    /** Bytes of the buffers no holder has, as the parent accounts them: allocated, ready for the next call. */
    public synchronized long idleBytes() {
        long idle = 0;
        for (int b = 0; b < sizes.length; b++) {
            for (int i = 0; i < counts[b]; i++) {
                if (slots[b][i].isFree()) {
                    idle += slots[b][i].buffer.getActualMemoryConsumed();
                }
            }
        }
        return idle;
    }

    /** Frees the idle buffers and drops the pool's reference to the held ones, which are freed by their holders. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            for (int b = 0; b < sizes.length; b++) {
                for (int i = 0; i < counts[b]; i++) {
                    slots[b][i].buffer.close();
                    slots[b][i] = null;
                }
                counts[b] = 0;
            }
        }
    }

    private int bucket(long size) {
        int mask = sizes.length - 1;
        int i = Long.hashCode(size * 0x9E3779B97F4A7C15L) & mask;
        while (slots[i] != null) {
            if (sizes[i] == size) {
                return i;
            }
            i = (i + 1) & mask;
        }
        if (2 * (buckets + 1) > sizes.length) {
            grow();
            return bucket(size);
        }
        sizes[i] = size;
        slots[i] = new Slot[4];
        buckets++;
        return i;
    }

    private void grow() {
        long[] oldSizes = sizes;
        Slot[][] oldSlots = slots;
        int[] oldCounts = counts;
        sizes = new long[oldSizes.length * 2];
        slots = new Slot[oldSizes.length * 2][];
        counts = new int[oldSizes.length * 2];
        buckets = 0;
        for (int j = 0; j < oldSizes.length; j++) {
            if (oldSlots[j] != null) {
                int i = bucket(oldSizes[j]);
                slots[i] = oldSlots[j];
                counts[i] = oldCounts[j];
            }
        }
    }

    // Everything else is the parent's.

    @Override
    public ArrowBuf buffer(long size, BufferManager manager) {
        return parent.buffer(size, manager);
    }

    @Override
    public BufferAllocator getRoot() {
        return parent.getRoot();
    }

    @Override
    public BufferAllocator newChildAllocator(String name, long initReservation, long maxAllocation) {
        return parent.newChildAllocator(name, initReservation, maxAllocation);
    }

    @Override
    public BufferAllocator newChildAllocator(String name, AllocationListener listener, long initReservation, long maxAllocation) {
        return parent.newChildAllocator(name, listener, initReservation, maxAllocation);
    }

    @Override
    public long getAllocatedMemory() {
        return parent.getAllocatedMemory();
    }

    @Override
    public long getLimit() {
        return parent.getLimit();
    }

    @Override
    public long getInitReservation() {
        return parent.getInitReservation();
    }

    @Override
    public void setLimit(long newLimit) {
        parent.setLimit(newLimit);
    }

    @Override
    public long getPeakMemoryAllocation() {
        return parent.getPeakMemoryAllocation();
    }

    @Override
    public long getHeadroom() {
        return parent.getHeadroom();
    }

    @Override
    public boolean forceAllocate(long size) {
        return parent.forceAllocate(size);
    }

    @Override
    public void releaseBytes(long size) {
        parent.releaseBytes(size);
    }

    @Override
    public AllocationListener getListener() {
        return parent.getListener();
    }

    @Override
    public BufferAllocator getParentAllocator() {
        return parent;
    }

    @Override
    public Collection<BufferAllocator> getChildAllocators() {
        return parent.getChildAllocators();
    }

    @Override
    public AllocationReservation newReservation() {
        return parent.newReservation();
    }

    @Override
    public ArrowBuf getEmpty() {
        return parent.getEmpty();
    }

    @Override
    public String getName() {
        return "recycling(" + parent.getName() + ")";
    }

    @Override
    public boolean isOverLimit() {
        return parent.isOverLimit();
    }

    @Override
    public String toVerboseString() {
        return parent.toVerboseString();
    }

    @Override
    public void assertOpen() {
        parent.assertOpen();
    }

    @Override
    public RoundingPolicy getRoundingPolicy() {
        return parent.getRoundingPolicy();
    }
}
