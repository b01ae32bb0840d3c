package dev.dnnrun.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Exit status and output of a process the launcher tests start (dnnrun in a new JVM, or bin/dnnrun). */
record Spawned(int status, String out, String err) {

    /** Starts {@code pb}, waits up to two minutes, and returns what it printed. */
    static Spawned run(ProcessBuilder pb) throws Exception {
        Path out = Files.createTempFile("dnnrun-out", ".txt"), err = Files.createTempFile("dnnrun-err", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("dnnrun did not finish in 120 s: " + pb.command());
            }
            return new Spawned(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }
}
