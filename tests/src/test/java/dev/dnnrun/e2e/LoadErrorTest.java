package dev.dnnrun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.onnx.proto.Onnx;
import dev.dnnrun.tensor.DType;

/** Every load-time problem is one clear error naming the model, the node and the op, all problems at once. */
class LoadErrorTest {
    @TempDir Path dir;

    private static String loadError(byte[] model, String name) {
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> TestModels.load(context, model, name));
            assertTrue(e.isGuestException(), "expected a user-facing error, got an internal one: " + e);
            return e.getMessage();
        }
    }

    @Test
    void malformedProtobuf() {
        String m = loadError(new byte[]{0x0a, (byte) 0xff, 0x01, 0x02}, "broken.onnx");
        assertTrue(m.startsWith("broken.onnx: not a valid ONNX model"), m);
    }

    @Test
    void allUnsupportedNodesAndBadAttributesAreListed() {
        byte[] model = new ModelBuilder("bad").opset(17)
                        .input("x", DType.FLOAT, 2)
                        .node("FancyOp", "x", "a").name("first").done()
                        .node("OtherOp", "a", "b").name("second").done()
                        .node("Relu", "b", "y").name("third").attr("alpha", "not-a-float").done()
                        .output("y", DType.FLOAT, 2).build();
        String m = loadError(model, "bad.onnx");
        assertTrue(m.contains("bad.onnx: "), m);
        assertTrue(m.contains("node 'first' (FancyOp): unsupported operator FancyOp"), m);
        assertTrue(m.contains("node 'second' (OtherOp): unsupported operator OtherOp"), m);
    }

    @Test
    void undefinedInputAndUnsupportedOpset() {
        byte[] undefined = new ModelBuilder("g").opset(17).input("x", DType.FLOAT, 2)
                        .node("Add", "x,nowhere", "y").name("adder").done().output("y", DType.FLOAT, 2).build();
        assertTrue(loadError(undefined, "u.onnx").contains("node 'adder' (Add): input 'nowhere' is not a graph input"));
        byte[] future = new ModelBuilder("g").opset(99).input("x", DType.FLOAT, 2)
                        .node("Relu", "x", "y").done().output("y", DType.FLOAT, 2).build();
        assertTrue(loadError(future, "f.onnx").contains("unsupported ai.onnx opset 99"));
    }

    @Test
    void shapeErrorsAreFoundAtLoad() {
        byte[] model = new ModelBuilder("g").opset(17)
                        .input("x", DType.FLOAT, 2, 3)
                        .initializer("w", new long[]{4, 5}, new float[20])
                        .node("MatMul", "x,w", "y").name("mm").done().output("y", DType.FLOAT, 2, 5).build();
        String m = loadError(model, "shapes.onnx");
        assertTrue(m.contains("node 'mm' (MatMul)"), m);
    }

    private Onnx.Tensor external(String location) {
        return Onnx.Tensor.newBuilder().setName("w").setDataType(DType.FLOAT.onnxCode).addDims(2)
                        .setDataLocation(Onnx.Tensor.Location.EXTERNAL)
                        .addExternalData(Onnx.KeyValue.newBuilder().setKey("location").setValue(location))
                        .addExternalData(Onnx.KeyValue.newBuilder().setKey("offset").setValue("4"))
                        .addExternalData(Onnx.KeyValue.newBuilder().setKey("length").setValue("8")).build();
    }

    private Path writeModel(String location) throws IOException {
        byte[] model = new ModelBuilder("ext").opset(17).input("x", DType.FLOAT, 2).initializer(external(location))
                        .node("Add", "x,w", "y").done().output("y", DType.FLOAT, 2).build();
        Path file = dir.resolve("model.onnx");
        Files.write(file, model);
        return file;
    }

    private static Value loadFile(Context context, Path file) throws IOException {
        return context.eval(Source.newBuilder("dnn", file.toFile()).build());
    }

    @Test
    void externalDataIsReadRelativeToTheModel() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(99).putFloat(1.5f).putFloat(-2);
        Files.write(dir.resolve("weights.bin"), data.array());
        Path file = writeModel("weights.bin");
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value y = loadFile(context, file).execute((Object) new float[]{1, 1}).getArrayElement(0);
            assertEquals(2.5f, y.getArrayElement(0).asFloat());
            assertEquals(-1f, y.getArrayElement(1).asFloat());
        }
    }

    @Test
    void externalDataOutsideTheModelFolderIsRefused() throws IOException {
        Path file = writeModel("../escape.bin");
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> loadFile(context, file));
            assertTrue(e.getMessage().contains("escapes the model's folder"), e.getMessage());
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
    }

    @Test
    void missingExternalDataIsNamed() throws IOException {
        Path file = writeModel("absent.bin");
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> loadFile(context, file));
            assertTrue(e.getMessage().contains("initializer 'w'") && e.getMessage().contains("'absent.bin' is missing"), e.getMessage());
        }
    }
}
