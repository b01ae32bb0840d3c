package dev.dnnrun.language.ops.nn;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.Attributes;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Attention (23, 24): scaled dot-product attention softmax(Q K^T * scale + bias) V with optional KV cache
 * (past_key/past_value appended along the sequence axis, returned as present_key/present_value), grouped-query
 * attention (each group of q_num_heads / kv_num_heads query heads shares one KV head), offset-aware causal masking,
 * boolean or additive attn_mask (right-aligned broadcast to [B, q_heads, S_q, S_kv], padded on the key axis when
 * shorter), softcap, nonpad_kv_seqlen key padding (24) and the optional QK debug output. Rows whose bias is -inf
 * everywhere produce zeros instead of NaN. Arithmetic is done in double and rounded to the input type on store.
 */
public final class Attention extends OpNode {
    private final boolean causal;
    private final long qNumHeads;
    private final long kvNumHeads;
    private final Double scale;
    private final double softcap;
    private final int qkMode;

    public Attention(GraphNode node) {
        super(node);
        if (node.opsetVersion() >= 25) {
            // Attention-25 added sliding windows and new attribute rules; running it with version 24 rules would be wrong
            throw new OperatorException("Attention at opset " + node.opsetVersion() + " (version 25: sliding windows) is not supported yet");
        }
        Attributes a = node.attributes();
        causal = a.getInt("is_causal", 0) != 0;
        qNumHeads = a.getInt("q_num_heads", 0);
        kvNumHeads = a.getInt("kv_num_heads", 0);
        scale = a.has("scale") ? (double) a.getFloat("scale", 1f) : null;
        softcap = a.getFloat("softcap", 0f);
        qkMode = (int) a.getInt("qk_matmul_output_mode", 0);
        if (qkMode < 0 || qkMode > 3) {
            throw new OperatorException("qk_matmul_output_mode must be 0..3, got " + qkMode);
        }
        if (a.has("softmax_precision")) {
            DType sp = DType.fromOnnx((int) a.getInt("softmax_precision", 1));
            if (sp == null || !sp.isFloating()) {
                throw new OperatorException("softmax_precision must name a floating-point type");
            }
        }
    }

    static final class AttentionPlan extends Plan {
        final int b, qh, kvh, sq, skv, past, total, hs, vhs;
        final boolean rank3;

        AttentionPlan(DType[] types, long[][] shapes, int b, int qh, int kvh, int sq, int skv, int past, int hs, int vhs,
                        boolean rank3) {
            super(types, shapes);
            this.b = b;
            this.qh = qh;
            this.kvh = kvh;
            this.sq = sq;
            this.skv = skv;
            this.past = past;
            this.total = past + skv;
            this.hs = hs;
            this.vhs = vhs;
            this.rank3 = rank3;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        Windows.requireFloating(t);
        for (int i = 1; i <= 2; i++) {
            if (in.dtype(i) != t) {
                throw new OperatorException("K and V must have Q's type " + t + ", got " + in.dtype(i));
            }
        }
        int r = in.rank(0);
        if ((r != 3 && r != 4) || in.rank(1) != r || in.rank(2) != r) {
            throw new OperatorException("Q, K and V must all be 3-D or all be 4-D");
        }
        long[] q = in.shape(0), k = in.shape(1), v = in.shape(2);
        int b = (int) q[0];
        int qh, kvh, sq, skv, hs, khs, vhs;
        if (r == 3) {
            if (qNumHeads <= 0 || kvNumHeads <= 0) {
                throw new OperatorException("3-D inputs need positive q_num_heads and kv_num_heads attributes");
            }
            qh = (int) qNumHeads;
            kvh = (int) kvNumHeads;
            if (q[2] % qh != 0 || k[2] % kvh != 0 || v[2] % kvh != 0) {
                throw new OperatorException("hidden sizes " + q[2] + "/" + k[2] + "/" + v[2]
                                + " are not divisible by the head counts " + qh + "/" + kvh);
            }
            sq = (int) q[1];
            skv = (int) k[1];
            hs = (int) (q[2] / qh);
            khs = (int) (k[2] / kvh);
            vhs = (int) (v[2] / kvh);
            if (v[1] != skv) {
                throw new OperatorException("K and V sequence lengths differ");
            }
        } else {
            qh = (int) q[1];
            kvh = (int) k[1];
            sq = (int) q[2];
            skv = (int) k[2];
            hs = (int) q[3];
            khs = (int) k[3];
            vhs = (int) v[3];
            if (v[1] != kvh || v[2] != skv) {
                throw new OperatorException("V " + Arrays.toString(v) + " does not match K " + Arrays.toString(k));
            }
        }
        if (k[0] != b || v[0] != b) {
            throw new OperatorException("Q, K and V batch sizes differ");
        }
        if (khs != hs) {
            throw new OperatorException("K head size " + khs + " differs from Q head size " + hs);
        }
        if (kvh <= 0 || qh % kvh != 0) {
            throw new OperatorException("q heads " + qh + " must be a multiple of kv heads " + kvh);
        }
        int past = 0;
        if (in.has(4) != in.has(5)) {
            throw new OperatorException("past_key and past_value must be given together");
        }
        if (in.has(4)) {
            long[] pk = in.shape(4), pv = in.shape(5);
            if (pk.length != 4 || pv.length != 4 || pk[0] != b || pk[1] != kvh || pk[3] != hs || pv[0] != b
                            || pv[1] != kvh || pv[3] != vhs || pv[2] != pk[2]) {
                throw new OperatorException("past_key " + Arrays.toString(pk) + " / past_value " + Arrays.toString(pv)
                                + " do not fit K/V");
            }
            if (in.dtype(4) != t || in.dtype(5) != t) {
                throw new OperatorException("past_key and past_value must have Q's type " + t);
            }
            past = (int) pk[2];
        }
        int total = past + skv;
        if (in.has(3)) {
            DType mt = in.dtype(3);
            if (mt != DType.BOOL && mt != t) {
                throw new OperatorException("attn_mask must be bool or " + t + ", got " + mt);
            }
            long[] m = in.shape(3);
            long[] target = {b, qh, sq, total};
            if (m.length < 1 || m.length > 4 || m[m.length - 1] > total) {
                throw new OperatorException("attn_mask " + Arrays.toString(m) + " does not broadcast to "
                                + Arrays.toString(target));
            }
            for (int i = 0; i < m.length - 1; i++) {
                long tv = target[4 - m.length + i];
                if (m[i] != 1 && m[i] != tv) {
                    throw new OperatorException("attn_mask " + Arrays.toString(m) + " does not broadcast to "
                                    + Arrays.toString(target));
                }
            }
        }
        if (in.has(6)) {
            if (in.dtype(6) != DType.INT64 || in.rank(6) != 1 || in.shape(6)[0] != b) {
                throw new OperatorException("nonpad_kv_seqlen must be int64 of shape [" + b + "]");
            }
            if (in.has(4)) {
                throw new OperatorException("nonpad_kv_seqlen cannot be combined with past_key/past_value");
            }
        }
        long[] y = r == 3 ? new long[]{b, sq, (long) qh * vhs} : new long[]{b, qh, sq, vhs};
        return new AttentionPlan(new DType[]{t, t, t, t},
                        new long[][]{y, {b, kvh, total, hs}, {b, kvh, total, vhs}, {b, qh, sq, total}}, b, qh, kvh, sq,
                        skv, past, hs, vhs, r == 3);
    }

    /** Rounds a double to the precision of the floating type t, as the reference does when it casts scale. */
    private static double round(double x, DType t) {
        if (t == DType.FLOAT) {
            return (float) x;
        }
        if (t == DType.FLOAT16) {
            return Float.float16ToFloat(Float.floatToFloat16((float) x));
        }
        return x;
    }

    /**
     * Copies past (may be null) and the new K or V into a [B, kvh, total, d] cache. The new tensor is indexed as
     * [B, S, kvh, d] for 3-D inputs and [B, kvh, S, d] for 4-D ones.
     */
    private static double[] concatCache(AttentionPlan p, double[] past, double[] cur, int d) {
        double[] out = new double[p.b * p.kvh * p.total * d];
        for (int b = 0; b < p.b; b++) {
            for (int h = 0; h < p.kvh; h++) {
                int base = ((b * p.kvh + h) * p.total) * d;
                if (past != null) {
                    System.arraycopy(past, ((b * p.kvh + h) * p.past) * d, out, base, p.past * d);
                }
                for (int s = 0; s < p.skv; s++) {
                    int src = p.rank3 ? ((b * p.skv + s) * p.kvh + h) * d : ((b * p.kvh + h) * p.skv + s) * d;
                    System.arraycopy(cur, src, out, base + (p.past + s) * d, d);
                }
            }
        }
        return out;
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        AttentionPlan p = (AttentionPlan) plan;
        DType t = inputs[0].dtype();
        double[] q = inputs[0].toDoubleArray();
        Tensor pastK = Windows.opt(inputs, 4);
        Tensor pastV = Windows.opt(inputs, 5);
        double[] keys = concatCache(p, pastK == null ? null : pastK.toDoubleArray(), inputs[1].toDoubleArray(), p.hs);
        double[] values = concatCache(p, pastV == null ? null : pastV.toDoubleArray(), inputs[2].toDoubleArray(),
                        p.vhs);
        // The reference scales Q and K each by sqrt(scale), rounded to the input type.
        double sqrtScale = round(Math.sqrt(scale != null ? scale : 1.0 / Math.sqrt(p.hs)), t);
        Tensor mask = Windows.opt(inputs, 3);
        double[] maskValues = mask == null ? null : mask.toDoubleArray();
        boolean boolMask = mask != null && mask.dtype() == DType.BOOL;
        long[] mStrides = new long[4];
        long mLast = 0;
        if (mask != null) {
            long[] m = mask.shape();
            long[] full = {1, 1, 1, 1};
            System.arraycopy(m, 0, full, 4 - m.length, m.length);
            long st = 1;
            for (int i = 3; i >= 0; i--) {
                mStrides[i] = full[i] == 1 ? 0 : st;
                st *= full[i];
            }
            mLast = full[3];
            mStrides[3] = 1;
        }
        Tensor nonpadT = Windows.opt(inputs, 6);
        long[] nonpad = nonpadT == null ? null : nonpadT.toLongArray();
        boolean wantQk = node.outputs().size() > 3 && !node.outputs().get(3).isEmpty();
        double[] y = new double[p.b * p.qh * p.sq * p.vhs];
        double[] qk = wantQk ? new double[p.b * p.qh * p.sq * p.total] : null;
        double[] scores = new double[p.total];
        double[] bias = new double[p.total];
        int group = p.qh / p.kvh;
        for (int b = 0; b < p.b; b++) {
            long offset = p.past;
            if (nonpad != null && pastK == null) {
                offset = nonpad[b] - p.sq;
            }
            for (int h = 0; h < p.qh; h++) {
                int kh = h / group;
                int kBase = (b * p.kvh + kh) * p.total;
                for (int i = 0; i < p.sq; i++) {
                    int qBase = p.rank3 ? ((b * p.sq + i) * p.qh + h) * p.hs : ((b * p.qh + h) * p.sq + i) * p.hs;
                    int row = ((b * p.qh + h) * p.sq + i) * p.total;
                    double biasMax = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < p.total; j++) {
                        double bj = 0;
                        if (causal && j > i + offset) {
                            bj = Double.NEGATIVE_INFINITY;
                        }
                        if (mask != null) {
                            double mv;
                            if (j >= mLast) {
                                mv = Double.NEGATIVE_INFINITY; // keys beyond a short mask are padded as masked
                            } else {
                                double raw = maskValues[(int) (b * mStrides[0] + h * mStrides[1] + i * mStrides[2] + j)];
                                mv = boolMask ? (raw != 0 ? 0 : Double.NEGATIVE_INFINITY) : raw;
                            }
                            bj += mv;
                        }
                        if (nonpad != null && j >= nonpad[b]) {
                            bj = Double.NEGATIVE_INFINITY;
                        }
                        bias[j] = bj;
                        biasMax = Math.max(biasMax, bj);
                        double s = 0;
                        int kRow = (kBase + j) * p.hs;
                        for (int d = 0; d < p.hs; d++) {
                            s += (q[qBase + d] * sqrtScale) * (keys[kRow + d] * sqrtScale);
                        }
                        if (wantQk && qkMode == 0) {
                            qk[row + j] = s;
                        }
                        if (softcap > 0) {
                            s = softcap * Math.tanh(s / softcap);
                        }
                        if (wantQk && qkMode == 1) {
                            qk[row + j] = s;
                        }
                        s += bj;
                        if (wantQk && qkMode == 2) {
                            qk[row + j] = s;
                        }
                        scores[j] = s;
                    }
                    boolean allMasked = biasMax == Double.NEGATIVE_INFINITY;
                    softmax(scores, p.total, allMasked);
                    if (wantQk && qkMode == 3) {
                        System.arraycopy(scores, 0, qk, row, p.total);
                    }
                    int yBase = p.rank3 ? ((b * p.sq + i) * p.qh + h) * p.vhs : ((b * p.qh + h) * p.sq + i) * p.vhs;
                    for (int j = 0; j < p.total; j++) {
                        // Probabilities are cast to the input type before the second matmul.
                        double w = round(scores[j], t);
                        if (w == 0) {
                            continue;
                        }
                        int vRow = (kBase + j) * p.vhs;
                        for (int d = 0; d < p.vhs; d++) {
                            y[yBase + d] += w * values[vRow + d];
                        }
                    }
                }
            }
        }
        Tensor[] out = new Tensor[4];
        out[0] = plan.allocate(allocator, 0);
        Windows.store(y, out[0]);
        if (node.outputs().size() > 1 && !node.outputs().get(1).isEmpty()) {
            out[1] = plan.allocate(allocator, 1);
            Windows.store(keys, out[1]);
        }
        if (node.outputs().size() > 2 && !node.outputs().get(2).isEmpty()) {
            out[2] = plan.allocate(allocator, 2);
            Windows.store(values, out[2]);
        }
        if (wantQk) {
            out[3] = plan.allocate(allocator, 3);
            Windows.store(qk, out[3]);
        }
        return out;
    }

    /** In-place softmax of v[0..n); a fully masked row becomes all zeros. */
    private static void softmax(double[] v, int n, boolean allMasked) {
        if (allMasked) {
            Arrays.fill(v, 0, n, 0.0);
            return;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, v[j]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            max = 0;
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            v[j] = Math.exp(v[j] - max);
            sum += v[j];
        }
        if (sum == 0) {
            sum = 1;
        }
        for (int j = 0; j < n; j++) {
            v[j] /= sum;
        }
    }
}
