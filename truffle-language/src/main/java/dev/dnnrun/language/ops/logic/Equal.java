package dev.dnnrun.language.ops.logic;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.elementwise.Broadcast;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** Equal: true where a equals b (numpy broadcasting); numbers, bools and strings (opset 19). */
public final class Equal extends Comparison {
    public Equal(GraphNode node) {
        super(node);
    }

    @Override
    protected boolean accepts(DType a, DType b) {
        return a == b;
    }

    @Override
    protected boolean holds(int order) {
        return order == 0;
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        if (inputs[0].dtype() != DType.STRING) {
            return super.run(plan, inputs, allocator);
        }
        Broadcast bc = Broadcast.of(inputs[0].shape(), inputs[1].shape());
        String[] a = inputs[0].strings();
        String[] b = inputs[1].strings();
        Tensor out = plan.allocate(allocator);
        long n = bc.rowLength();
        int as = bc.innerStride(0);
        int bs = bc.innerStride(1);
        Broadcast.Cursor c = bc.cursor();
        long o = 0;
        for (long r = 0; r < bc.rowCount(); r++) {
            for (long i = 0; i < n; i++) {
                boolean eq = a[(int) (c.offset(0) + i * as)].equals(b[(int) (c.offset(1) + i * bs)]);
                DType.BOOL.setLong(out.segment(), o + i, eq ? 1 : 0);
            }
            o += n;
            c.next();
        }
        return new Tensor[]{out};
    }
}
