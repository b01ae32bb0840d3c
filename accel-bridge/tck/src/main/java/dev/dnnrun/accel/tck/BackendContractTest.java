package dev.dnnrun.accel.tck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.arrow.memory.ArrowBuf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.Support;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * The backend contract (TCK): what every {@link Accelerator} must do, checked the same way for every backend. A
 * backend module subclasses it in its tests, says which backend to test and which {@link Sample}s it claims:
 *
 * <pre>
 * class MyBackendContractTest extends BackendContractTest {
 *     protected Accelerator accelerator() { return new MyAccelerator(); }
 *     protected Set&lt;Sample&gt; claims() { return EnumSet.of(Sample.RELU, Sample.ADD); }
 * }
 * </pre>
 *
 * Checks: the backend is registered as a service and has a usable name; {@code supports} says yes to every
 * operator of a claimed sample, no with a reason to what it cannot run (unknown domain, unknown operator, an
 * unsupported dtype), and never throws, even for malformed operators; a compiled sample computes the Java reference,
 * writing its outputs in place into the caller's buffers (nothing past their end) and leaving its inputs unchanged,
 * again with new data in the same buffers; execute rejects the wrong number of buffers, missing buffers and buffers
 * too small; close twice is harmless and execute after close throws; hostile segments ({@link Hostile}) are declined
 * at compile with an {@link UnsupportedSegmentException}. Checks that run a compiled segment are skipped (JUnit
 * assumption) where the backend is unavailable, after checking that its compile then declines every segment.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendContractTest {
    private Accelerator backend;

    /** A new instance of the backend under test; created once per test class and closed at the end. */
    protected abstract Accelerator accelerator();

    /** The samples the backend runs; at least one. */
    protected abstract Set<Sample> claims();

    /** A dtype the backend declines for every operator; string unless overridden. */
    protected DType unsupportedDType() {
        return DType.STRING;
    }

    /** Relative tolerance of results against the float reference. */
    protected double tolerance() {
        return 1e-4;
    }

    @BeforeAll
    public final void createBackend() {
        backend = accelerator();
        assertNotNull(backend, "accelerator()");
    }

    @AfterAll
    public final void closeBackendTwice() {
        backend.close();
        backend.close();
    }

    @Test
    public void registeredAsAService() {
        Class<?> type = backend.getClass();
        assertTrue(ServiceLoader.load(Accelerator.class, type.getClassLoader()).stream().anyMatch(p -> p.type() == type),
                        "META-INF/services/" + Accelerator.class.getName() + " names " + type.getName());
    }

    @Test
    public void nameAndAvailabilityAnswer() {
        String name = backend.name();
        assertTrue(name != null && name.matches("[a-z0-9][a-z0-9_-]*"), "a short lower-case name for --accel, not '" + name + "'");
        assertFalse(name.equals("cpu") || name.equals("auto"), "'" + name + "' is reserved for --accel");
        String why = backend.unavailableReason();
        assertTrue(why == null || !why.isBlank(), "an unavailable backend says why");
        assertEquals(why, backend.unavailableReason(), "the answer does not change between calls");
        assertFalse(claims().isEmpty(), "a backend claims at least one sample");
    }

    @TestFactory
    public Stream<DynamicTest> supportsWhatItClaims() {
        return perSample(s -> {
            try (SegmentBuilder b = s.builder()) {
                for (OpView op : b.build().ops()) {
                    Support answer = backend.supports(op);
                    assertTrue(answer.supported(), () -> op.describe() + " declined: " + answer.reason());
                }
            }
        });
    }

    @Test
    public void declinesWithReasons() {
        try (SegmentBuilder b = first().builder()) {
            OpView op = b.build().ops().get(0);
            assertDeclined(withType(op, op.opType(), "org.example.unknown", op.inputTypes(), op.outputTypes()), "an unknown domain");
            assertDeclined(withType(op, "NoSuchOperator", "", op.inputTypes(), op.outputTypes()), "an unknown operator type");
            DType bad = unsupportedDType();
            assertDeclined(withType(op, op.opType(), "", retyped(op.inputTypes(), bad), retyped(op.outputTypes(), bad)),
                            "dtype " + bad.displayName);
        }
    }

    /** Malformed operators of every claimed type: supports answers (yes or no with a reason) and never throws. */
    @Test
    public void supportsNeverThrows() {
        TensorType noShape = new TensorType(DType.FLOAT, null);
        TensorType scalar = new TensorType(DType.FLOAT, new long[0]);
        TensorType unknown = new TensorType(DType.FLOAT, new long[] { -1, -1, -1, -1 });
        for (Sample s : claims()) {
            try (SegmentBuilder b = s.builder()) {
                for (OpView op : b.build().ops()) {
                    List<OpView> malformed = List.of(
                                    withType(op, op.opType(), "", List.of(), List.of()),
                                    new OpView("m", op.opType(), "", op.opsetVersion(), Map.of(), List.of(), List.of(), List.of(), List.of(),
                                                    Map.of()),
                                    withType(op, op.opType(), "", nulls(op.inputs().size()), nulls(op.outputs().size())),
                                    withType(op, op.opType(), "", Collections.nCopies(op.inputs().size(), noShape), List.of(noShape)),
                                    withType(op, op.opType(), "", Collections.nCopies(op.inputs().size(), scalar), List.of(scalar)),
                                    withType(op, op.opType(), "", Collections.nCopies(op.inputs().size(), unknown), List.of(unknown)),
                                    new OpView("m", op.opType(), "", op.opsetVersion(), Map.of("transB", "yes", "pads", 3L, "alpha", "x"),
                                                    op.inputs(), op.outputs(), op.inputTypes(), op.outputTypes(), op.constantInputs()));
                    for (OpView m : malformed) {
                        Support answer = backend.supports(m);
                        assertNotNull(answer, "supports answers");
                        assertTrue(answer.supported() || (answer.reason() != null && !answer.reason().isBlank()),
                                        "a no comes with a reason");
                    }
                }
            }
        }
    }

    @TestFactory
    public Stream<DynamicTest> computesTheReferenceInPlace() {
        return perSample(s -> {
            try (SegmentBuilder b = s.builder()) {
                Segment segment = b.build();
                try (CompiledSegment c = compileOrSkip(segment); GuardedOutputs out = new GuardedOutputs(b.allocator(), segment.outputTypes())) {
                    Tensor[] in = b.inputTensors();
                    for (int round = 0; round < 2; round++) {
                        if (round == 1) { // new data in the same buffers: nothing may be cached from the first run
                            b.randomizeInputs();
                            b.copyInputsTo(in);
                            out.reset();
                        }
                        byte[][] before = snapshot(in);
                        c.execute(SegmentBuilder.buffers(in), out.buffers());
                        out.assertGuardsIntact("execute");
                        assertArrayEquals(before, snapshot(in), "execute changed an input buffer");
                        float[][] expected = s.expected(b);
                        for (int i = 0; i < expected.length; i++) {
                            Reference.assertClose(expected[i], out.floats(i), tolerance(), "run " + (round + 1) + ", output " + i);
                        }
                    }
                }
            }
        });
    }

    @TestFactory
    public Stream<DynamicTest> executeRejectsWrongBuffers() {
        return perSample(s -> {
            try (SegmentBuilder b = s.builder()) {
                Segment segment = b.build();
                try (CompiledSegment c = compileOrSkip(segment); GuardedOutputs out = new GuardedOutputs(b.allocator(), segment.outputTypes())) {
                    ArrowBuf[] in = b.inputBuffers();
                    ArrowBuf[] outs = out.buffers();
                    rejects(c, append(in, in[0]), outs, "one input buffer too many");
                    rejects(c, Arrays.copyOf(in, in.length - 1), outs, "one input buffer too few");
                    rejects(c, in, append(outs, outs[0]), "one output buffer too many");
                    rejects(c, in, Arrays.copyOf(outs, outs.length - 1), "one output buffer too few");
                    rejects(c, null, outs, "no input array");
                    rejects(c, in, null, "no output array");
                    for (int i = 0; i < in.length; i++) {
                        rejects(c, replaced(in, i, null), outs, "input " + i + " missing");
                        TensorType t = segment.inputTypes().get(i);
                        long need = Tensor.elementCount(t.shape()) * t.dtype().byteSize; // allocators round capacities up
                        rejects(c, replaced(in, i, in[i].slice(0, need - 1)), outs, "input " + i + " one byte short");
                    }
                    for (int i = 0; i < outs.length; i++) {
                        rejects(c, in, replaced(outs, i, null), "output " + i + " missing");
                        out.reset();
                        rejects(c, in, replaced(outs, i, out.shortened(i, 1)), "output " + i + " one byte short");
                        out.assertUntouchedFrom(i, out.bytes(i) - 1, "execute with output " + i + " one byte short");
                    }
                    out.reset();
                    c.execute(in, outs); // rejected calls leave the segment usable
                    float[][] expected = s.expected(b);
                    for (int i = 0; i < expected.length; i++) {
                        Reference.assertClose(expected[i], out.floats(i), tolerance(), "after rejected calls, output " + i);
                    }
                }
            }
        });
    }

    @TestFactory
    public Stream<DynamicTest> closeTwiceThenExecuteThrows() {
        return perSample(s -> {
            try (SegmentBuilder b = s.builder()) {
                Segment segment = b.build();
                CompiledSegment c = compileOrSkip(segment);
                try (GuardedOutputs out = new GuardedOutputs(b.allocator(), segment.outputTypes())) {
                    ArrowBuf[] in = b.inputBuffers();
                    c.execute(in, out.buffers());
                    c.close();
                    c.close();
                    out.reset();
                    assertThrows(Exception.class, () -> c.execute(in, out.buffers()), "execute after close");
                    for (int i = 0; i < out.count(); i++) {
                        out.assertUntouchedFrom(i, 0, "execute after close");
                    }
                }
            }
        });
    }

    /** Sizes whose element or byte count overflows a long, in every claimed sample. */
    @TestFactory
    public Stream<DynamicContainer> hugeSizesAreDeclined() {
        return declined(Hostile.HUGE_ELEMENTS, Hostile.HUGE_BYTES);
    }

    /** Sizes -1 (unknown) and -3, in every claimed sample. */
    @TestFactory
    public Stream<DynamicContainer> negativeSizesAreDeclined() {
        return declined(Hostile.UNKNOWN_SIZE, Hostile.NEGATIVE_SIZE);
    }

    /** Types that disagree between an operator and its readers or the segment, in every claimed sample. */
    @TestFactory
    public Stream<DynamicContainer> mismatchedTypesAreDeclined() {
        return declined(Hostile.OPERATOR_OUTPUT_MISMATCH, Hostile.SEGMENT_INPUT_MISMATCH);
    }

    /** Hostile variants of every claimed sample are declined at compile, available or not, and nothing runs. */
    private Stream<DynamicContainer> declined(Hostile... variants) {
        return claims().stream().map(s -> DynamicContainer.dynamicContainer(s.title(), Arrays.stream(variants)
                        .map(h -> DynamicTest.dynamicTest(h.title(), () -> {
                            try (SegmentBuilder b = s.builder()) {
                                Segment segment = h.apply(b.build());
                                boolean claimed = segment.ops().stream().allMatch(op -> backend.supports(op).supported());
                                CompiledSegment c;
                                try {
                                    c = backend.compile(segment);
                                } catch (UnsupportedSegmentException e) {
                                    assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "the decline says why");
                                    return;
                                } catch (Exception e) {
                                    if (claimed) {
                                        throw new AssertionError("supports accepted every operator, so compile must decline with "
                                                        + "UnsupportedSegmentException, not " + e, e);
                                    }
                                    return; // declined by supports already; any exception keeps it on the CPU
                                }
                                c.close();
                                fail("compiled a segment with " + h.title());
                            }
                        }))));
    }

    /** Compiles, or where the backend is unavailable checks that compile declines and skips the rest. */
    private CompiledSegment compileOrSkip(Segment segment) throws UnsupportedSegmentException {
        String why = backend.unavailableReason();
        if (why != null) {
            UnsupportedSegmentException e = assertThrows(UnsupportedSegmentException.class, () -> backend.compile(segment),
                            "an unavailable backend declines every segment");
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "the decline says why");
            Assumptions.abort(backend.name() + " is unavailable here: " + why);
        }
        return backend.compile(segment);
    }

    private Stream<DynamicTest> perSample(SampleCheck check) {
        return claims().stream().map(s -> DynamicTest.dynamicTest(s.title(), () -> check.run(s)));
    }

    /** One check of one sample. */
    @FunctionalInterface
    private interface SampleCheck {
        void run(Sample s) throws Exception;
    }

    private Sample first() {
        return claims().stream().sorted().findFirst().orElseThrow(() -> new AssertionError("a backend claims at least one sample"));
    }

    private void assertDeclined(OpView op, String what) {
        Support answer = backend.supports(op);
        assertFalse(answer.supported(), op.describe() + " with " + what + " is declined");
        assertTrue(answer.reason() != null && !answer.reason().isBlank(), "declining " + what + " gives a reason");
    }

    private static void rejects(CompiledSegment c, ArrowBuf[] in, ArrowBuf[] out, String what) {
        assertThrows(Exception.class, () -> c.execute(in, out), "execute with " + what);
    }

    private static OpView withType(OpView op, String opType, String domain, List<TensorType> in, List<TensorType> out) {
        return new OpView(op.name(), opType, domain, op.opsetVersion(), op.attributes(), op.inputs(), op.outputs(), in, out,
                        op.constantInputs());
    }

    private static List<TensorType> retyped(List<TensorType> types, DType dtype) {
        return types.stream().map(t -> new TensorType(dtype, t.shape())).toList();
    }

    private static List<TensorType> nulls(int n) {
        return Collections.unmodifiableList(new ArrayList<>(Collections.nCopies(n, (TensorType) null)));
    }

    private static ArrowBuf[] append(ArrowBuf[] a, ArrowBuf extra) {
        ArrowBuf[] r = Arrays.copyOf(a, a.length + 1);
        r[a.length] = extra;
        return r;
    }

    private static ArrowBuf[] replaced(ArrowBuf[] a, int i, ArrowBuf with) {
        ArrowBuf[] r = a.clone();
        r[i] = with;
        return r;
    }

    private static byte[][] snapshot(Tensor[] ts) {
        byte[][] r = new byte[ts.length][];
        for (int i = 0; i < ts.length; i++) {
            r[i] = ts[i].byteSize() == 0 ? new byte[0] : ts[i].segment().toArray(ValueLayout.JAVA_BYTE);
        }
        return r;
    }
}
