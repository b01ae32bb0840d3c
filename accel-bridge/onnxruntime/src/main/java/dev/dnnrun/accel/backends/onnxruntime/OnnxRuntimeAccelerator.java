package dev.dnnrun.accel.backends.onnxruntime;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.Support;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.support.Shapes;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/**
 * ONNX Runtime (Java API, CPU provider) as a vendor runtime. A segment is written back as a small ONNX model
 * ({@link OnnxModelWriter}) and loaded into its own session; {@link OrtSegment} hands dnnrun's Arrow buffers to it
 * without copies. Threads per session: system property {@code dnnrun.onnxruntime.threads} (default 1, since dnnrun
 * runs one segment at a time on a machine it shares).
 */
public final class OnnxRuntimeAccelerator implements Accelerator {
    /** Highest ai.onnx opset ONNX Runtime 1.29 loads (measured: a Relu model at opset 26 loads, 27 is refused). */
    static final int MAX_OPSET = 26;

    /** Protobuf refuses messages of 2 GiB; larger segments would need external data. */
    private static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - (64L << 20);

    /** The element types ORT's Java API can wrap around a direct ByteBuffer. */
    static final Map<DType, OnnxJavaType> JAVA_TYPES = new EnumMap<>(Map.of(DType.FLOAT, OnnxJavaType.FLOAT,
                    DType.DOUBLE, OnnxJavaType.DOUBLE, DType.INT8, OnnxJavaType.INT8, DType.INT16, OnnxJavaType.INT16,
                    DType.INT32, OnnxJavaType.INT32, DType.INT64, OnnxJavaType.INT64, DType.UINT8, OnnxJavaType.UINT8,
                    DType.BOOL, OnnxJavaType.BOOL));

    /** ai.onnx operators with a CPU kernel (or a function body ORT expands) that fit a tensor-only segment. */
    private static final Set<String> OPS = Set.of("Abs", "Acos", "Acosh", "Add", "AffineGrid", "And", "ArgMax", "ArgMin",
                    "Asin", "Asinh", "Atan", "Atanh", "Attention", "AveragePool", "BatchNormalization", "BitShift",
                    "BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor", "BlackmanWindow", "Cast", "CastLike", "Ceil",
                    "Celu", "CenterCropPad", "Clip", "Col2Im", "Concat", "Constant", "ConstantOfShape", "Conv",
                    "ConvInteger", "ConvTranspose", "Cos", "Cosh", "CumSum", "DFT", "DeformConv", "DepthToSpace",
                    "DequantizeLinear", "Det", "Div", "Dropout", "DynamicQuantizeLinear", "Einsum", "Elu", "Equal", "Erf",
                    "Exp", "Expand", "EyeLike", "Flatten", "Floor", "GRU", "Gather", "GatherElements", "GatherND", "Gelu",
                    "Gemm", "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool", "Greater", "GreaterOrEqual",
                    "GridSample", "GroupNormalization", "HammingWindow", "HannWindow", "HardSigmoid", "HardSwish",
                    "Hardmax", "Identity", "InstanceNormalization", "IsInf", "IsNaN", "LRN", "LSTM", "LayerNormalization",
                    "LeakyRelu", "Less", "LessOrEqual", "Log", "LogSoftmax", "LpNormalization", "LpPool", "MatMul",
                    "MatMulInteger", "Max", "MaxPool", "MaxRoiPool", "MaxUnpool", "Mean", "MeanVarianceNormalization",
                    "MelWeightMatrix", "Min", "Mish", "Mod", "Mul", "Neg", "NegativeLogLikelihoodLoss", "Not", "OneHot",
                    "Or", "PRelu", "Pad", "Pow", "QLinearConv", "QLinearMatMul", "QuantizeLinear", "RMSNormalization",
                    "RNN", "Range", "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
                    "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare", "Relu", "Reshape", "Resize",
                    "ReverseSequence", "RoiAlign", "RotaryEmbedding", "Round", "STFT", "Scatter", "ScatterElements",
                    "ScatterND", "Selu", "Shape", "Shrink", "Sigmoid", "Sign", "Sin", "Sinh", "Size", "Slice", "Softmax",
                    "SoftmaxCrossEntropyLoss", "Softplus", "Softsign", "SpaceToDepth", "Split", "Sqrt", "Squeeze", "Sub",
                    "Sum", "Swish", "Tan", "Tanh", "TensorScatter", "TfIdfVectorizer", "ThresholdedRelu", "Tile", "TopK",
                    "Transpose", "Trilu", "Unsqueeze", "Upsample", "Where", "Xor");

    /** Operators we keep on dnnrun on purpose, with the reason --explain shows. */
    private static final Map<String, String> DECLINED = Map.ofEntries(
                    Map.entry("If", "has subgraph attributes, which segments do not carry"),
                    Map.entry("Loop", "has subgraph attributes, which segments do not carry"),
                    Map.entry("Scan", "has subgraph attributes, which segments do not carry"),
                    Map.entry("SequenceMap", "has subgraph attributes, which segments do not carry"),
                    Map.entry("NonZero", "its output shape depends on the data; segments have fixed output shapes"),
                    Map.entry("Unique", "its output shape depends on the data; segments have fixed output shapes"),
                    Map.entry("Compress", "its output shape depends on the data; segments have fixed output shapes"),
                    Map.entry("NonMaxSuppression",
                                    "its output shape depends on the data; segments have fixed output shapes"),
                    Map.entry("RandomNormal", "random operators stay on dnnrun's generator so runs are reproducible"),
                    Map.entry("RandomNormalLike", "random operators stay on dnnrun's generator so runs are reproducible"),
                    Map.entry("RandomUniform", "random operators stay on dnnrun's generator so runs are reproducible"),
                    Map.entry("RandomUniformLike",
                                    "random operators stay on dnnrun's generator so runs are reproducible"),
                    Map.entry("Bernoulli", "random operators stay on dnnrun's generator so runs are reproducible"),
                    Map.entry("Multinomial", "random operators stay on dnnrun's generator so runs are reproducible"));

    private final int threads = Integer.getInteger("dnnrun.onnxruntime.threads", 1);
    private volatile String unavailable;
    private volatile boolean probed;

    @Override
    public String name() {
        return "onnxruntime";
    }

    @Override
    public String unavailableReason() {
        if (!probed) {
            try {
                // ORT's own warnings (legacy opsets, optimizer notes) would flood stderr: errors only
                OrtEnvironment.getEnvironment(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            } catch (Throwable t) { // UnsatisfiedLinkError, missing jar, unsupported platform...
                unavailable = "ONNX Runtime could not be loaded: " + t;
            }
            probed = true;
        }
        return unavailable;
    }

    @Override
    public Support supports(OpView op) {
        String domain = OnnxModelWriter.normalDomain(op.domain());
        if (!domain.isEmpty()) {
            return Support.no("only ai.onnx operators are sent to ONNX Runtime (domain '" + domain + "')");
        }
        String declined = DECLINED.get(op.opType());
        if (declined != null) {
            return Support.no(declined);
        }
        if (!OPS.contains(op.opType())) {
            return Support.no("not an operator ONNX Runtime's CPU provider runs in a tensor-only segment");
        }
        if (op.opType().equals("Resize") && "align_corners".equals(op.stringAttr("coordinate_transformation_mode", ""))) {
            // measured: the ONNX backend tests resize_downsample_*_align_corners get other values from ORT 1.29
            return Support.no("Resize with align_corners: ONNX Runtime 1.29's downsampling differs from the ONNX reference");
        }
        if (op.opsetVersion() > MAX_OPSET) {
            return Support.no("model opset " + op.opsetVersion() + " is newer than ONNX Runtime 1.29 loads (" + MAX_OPSET
                            + ")");
        }
        for (List<TensorType> types : List.of(op.inputTypes(), op.outputTypes())) {
            for (TensorType t : types) {
                if (t != null && !JAVA_TYPES.containsKey(t.dtype())) {
                    return Support.no("dtype " + t.dtype().displayName + ": ONNX Runtime's Java API cannot make such tensors");
                }
            }
        }
        for (Map.Entry<String, Object> a : op.attributes().entrySet()) {
            Object v = a.getValue();
            if (!(v instanceof Long || v instanceof Double || v instanceof String || v instanceof long[]
                            || v instanceof double[] || v instanceof String[] || v instanceof Tensor)) {
                return Support.no("attribute '" + a.getKey() + "' cannot be written to an ONNX model");
            }
        }
        return Support.yes();
    }

    @Override
    public CompiledSegment compile(Segment segment) throws UnsupportedSegmentException {
        String reason = unavailableReason();
        if (reason != null) {
            throw new UnsupportedSegmentException(reason);
        }
        checkBoundary(segment.inputs(), segment.inputTypes(), "input");
        checkBoundary(segment.outputs(), segment.outputTypes(), "output");
        Shapes.checkConsistent(segment);
        long constantBytes = 0;
        for (Tensor t : segment.constants().values()) {
            constantBytes += t.byteSize();
        }
        if (constantBytes > MAX_MODEL_BYTES) {
            throw new UnsupportedSegmentException("segment constants take " + constantBytes
                            + " bytes, more than one protobuf message holds");
        }
        byte[] model;
        try {
            model = OnnxModelWriter.write(segment);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedSegmentException(e.getMessage(), e);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (SessionOptions options = new SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OptLevel.ALL_OPT);
            options.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            OrtSession session = env.createSession(model, options);
            try {
                return new OrtSegment(env, session, segment);
            } catch (UnsupportedSegmentException | RuntimeException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw new UnsupportedSegmentException("ONNX Runtime refused segment " + segment.id() + ": " + e.getMessage(), e);
        }
    }

    /** Segment inputs and outputs become ORT tensors over Arrow memory: known type, fixed shape, under 2 GiB. */
    private static void checkBoundary(List<String> names, List<TensorType> types, String what)
                    throws UnsupportedSegmentException {
        for (int i = 0; i < names.size(); i++) {
            TensorType t = types.get(i);
            if (t == null || !t.isStatic()) {
                throw new UnsupportedSegmentException(what + " '" + names.get(i) + "' has no fixed shape: " + t);
            }
            if (!JAVA_TYPES.containsKey(t.dtype())) {
                throw new UnsupportedSegmentException(what + " '" + names.get(i) + "' is " + t.dtype().displayName
                                + ", which ONNX Runtime's Java API cannot wrap");
            }
            long bytes;
            try {
                bytes = Math.multiplyExact(Tensor.elementCount(t.shape()), t.dtype().byteSize);
            } catch (ArithmeticException e) {
                bytes = Long.MAX_VALUE;
            }
            if (bytes > Integer.MAX_VALUE) {
                throw new UnsupportedSegmentException(what + " '" + names.get(i) + "' is larger than 2 GiB");
            }
        }
    }

}
