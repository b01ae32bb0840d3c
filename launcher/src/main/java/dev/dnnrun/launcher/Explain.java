package dev.dnnrun.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.graalvm.polyglot.Value;

/** Prints a model's placement (--explain) and writes its coloured graph (--graph-out). */
final class Explain {
    private Explain() {
    }

    static void print(Value placement, PrintStream out) {
        Value segments = placement.getMember("segments");
        Value cpu = placement.getMember("cpu");
        int fellBack = 0;
        for (long i = 0; i < segments.getArraySize(); i++) {
            fellBack += segments.getArrayElement(i).getMember("fellBack").asBoolean() ? 1 : 0;
        }
        out.printf(Locale.ROOT, "placement (accel %s, fallback %s): %d segments%s, %d operators on the cpu%n",
                        placement.getMember("accel").asString(), placement.getMember("fallback").asString(), segments.getArraySize(),
                        fellBack == 0 ? "" : " (" + fellBack + " fell back to the cpu)", cpu.getArraySize());
        for (long i = 0; i < segments.getArraySize(); i++) {
            Value s = segments.getArrayElement(i);
            Value ops = s.getMember("ops");
            out.printf(Locale.ROOT, "  %s on %s: %d ops, %s", s.getMember("id").asString(), s.getMember("backend").asString(),
                            ops.getArraySize(), s.getMember("state").asString());
            if (s.getMember("calls").asLong() > 0) {
                out.printf(Locale.ROOT, ", %d calls, %.3f ms each", s.getMember("calls").asLong(),
                                s.getMember("nanos").asLong() / 1e6 / s.getMember("calls").asLong());
            }
            out.println();
            String chosenBy = s.getMember("chosenBy").asString();
            if (!chosenBy.isEmpty()) {
                out.println("    auto chose " + chosenBy);
            }
            String reason = s.getMember("fallbackReason").asString();
            if (!reason.isEmpty()) {
                out.println((s.getMember("failed").asBoolean() ? "    why it failed: " : "    fell back to the cpu: ") + reason);
            }
            Value patterns = s.getMember("patterns");
            if (patterns.getArraySize() > 0) {
                StringBuilder sb = new StringBuilder();
                for (long k = 0; k < patterns.getArraySize(); k++) {
                    sb.append(k == 0 ? "" : ", ").append(patterns.getArrayElement(k).asString());
                }
                out.println("    composites: " + sb);
            }
            Value shapes = s.getMember("shapes");
            for (long k = 0; k < shapes.getArraySize(); k++) {
                out.println("    compiled for inputs " + shapes.getArrayElement(k).asString());
            }
            StringBuilder sb = new StringBuilder();
            for (long k = 0; k < ops.getArraySize(); k++) {
                sb.append(k == 0 ? "" : ", ").append(ops.getArrayElement(k).asString());
            }
            out.println("    ops: " + sb);
        }
        // CPU operators grouped by op type and reason, so a 200-node model stays readable.
        Map<String, Integer> groups = new LinkedHashMap<>();
        for (long i = 0; i < cpu.getArraySize(); i++) {
            Value c = cpu.getArrayElement(i);
            Value reasons = c.getMember("reasons");
            StringBuilder why = new StringBuilder();
            for (String backend : reasons.getMemberKeys()) {
                why.append(why.length() == 0 ? "" : "; ").append(backend).append(": ").append(reasons.getMember(backend).asString());
            }
            String key = c.getMember("op").asString() + (why.length() == 0 ? "" : " — " + why);
            groups.merge(key, 1, Integer::sum);
        }
        for (Map.Entry<String, Integer> g : groups.entrySet()) {
            out.printf(Locale.ROOT, "  cpu x%d: %s%n", g.getValue(), g.getKey());
        }
    }

    /** Writes DOT, or SVG through Graphviz's {@code dot} when the file ends in .svg. */
    static void writeGraph(String dot, Path file) {
        try {
            if (file.toString().endsWith(".dot")) {
                Files.writeString(file, dot);
                return;
            }
            Process p;
            try {
                p = new ProcessBuilder("dot", "-Tsvg", "-o", file.toString()).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new DnnRun.LauncherError("--graph-out " + file + ": Graphviz 'dot' is not installed; write a .dot file instead");
            }
            p.getOutputStream().write(dot.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String messages = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new DnnRun.LauncherError("--graph-out " + file + ": Graphviz failed: " + messages.trim());
            }
        } catch (IOException e) {
            throw new DnnRun.LauncherError("--graph-out " + file + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DnnRun.LauncherError("--graph-out " + file + ": interrupted");
        }
    }
}
