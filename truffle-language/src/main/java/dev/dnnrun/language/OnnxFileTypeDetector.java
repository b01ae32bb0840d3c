package dev.dnnrun.language;

import java.nio.charset.Charset;

import com.oracle.truffle.api.TruffleFile;

/** Lets {@code Source.newBuilder("dnn", file)} and file-based sources recognise {@code .onnx} files. */
public final class OnnxFileTypeDetector implements TruffleFile.FileTypeDetector {
    @Override
    public String findMimeType(TruffleFile file) {
        String name = file.getName();
        return name != null && name.endsWith(".onnx") ? DnnLanguage.MIME_TYPE : null;
    }

    @Override
    public Charset findEncoding(TruffleFile file) {
        return null;
    }
}
