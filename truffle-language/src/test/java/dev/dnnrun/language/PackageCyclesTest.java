package dev.dnnrun.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;

import org.junit.jupiter.api.Test;

/**
 * Keeps the language's packages layered: reads the package dependencies of the compiled classes (jdeps over
 * target/classes) and fails on any cycle between packages except the ones Truffle requires, listed below. A
 * dependency only through a compile-time constant (a {@code static final} String or number) is inlined by javac
 * and invisible here.
 */
class PackageCyclesTest {
    private static final String ROOT = "dev.dnnrun.language";

    /**
     * Cycles that may exist, each the exact set of packages of one cycle. Truffle requires this one: the language
     * class creates the context and hands out the interop objects (runtime: ModelObject, Builtins, TensorObject),
     * and those objects need their context (DnnContext) and name their language (Builtins.getLanguage).
     */
    private static final List<Set<String>> ALLOWED = List.of(Set.of(ROOT, ROOT + ".runtime"));

    @Test
    void noCyclesBetweenPackagesButTheAllowedOnes() throws Exception {
        Map<String, Map<String, Set<String>>> deps = packageDependencies(classesDirectory());
        assertTrue(deps.containsKey(ROOT + ".accel") && deps.containsKey(ROOT + ".nodes"), "jdeps found no dependencies: " + deps.keySet());
        List<String> problems = new ArrayList<>();
        List<Set<String>> cycles = cycles(deps);
        for (Set<String> cycle : cycles) {
            if (!ALLOWED.contains(cycle)) {
                problems.add("packages depending on each other: " + cycle + "\n" + edgesWithin(cycle, deps));
            }
        }
        for (Set<String> allowed : ALLOWED) {
            if (cycles.stream().noneMatch(c -> c.containsAll(allowed))) {
                problems.add("the allowed cycle " + allowed + " no longer exists; remove it from ALLOWED in " + getClass().getSimpleName());
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    /** The cycle finder itself, on a graph small enough to check by hand. */
    @Test
    void cyclesAreTheStronglyConnectedPackageGroups() {
        Map<String, Map<String, Set<String>>> g = new TreeMap<>();
        edge(g, "a", "b");
        edge(g, "b", "c");
        edge(g, "c", "a");
        edge(g, "c", "d");
        edge(g, "d", "e");
        edge(g, "e", "d");
        edge(g, "f", "a");
        assertEquals(List.of(Set.of("a", "b", "c"), Set.of("d", "e")), cycles(g));
    }

    private static void edge(Map<String, Map<String, Set<String>>> g, String from, String to) {
        g.computeIfAbsent(from, k -> new TreeMap<>()).computeIfAbsent(to, k -> new TreeSet<>()).add(from + ".X -> " + to + ".Y");
    }

    private static Path classesDirectory() throws URISyntaxException {
        Path dir = Path.of(DnnLanguage.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(dir.resolve("dev/dnnrun/language")), "expected the compiled classes in a directory, not " + dir);
        return dir;
    }

    /** Package to package, with the class-level dependencies behind each edge, between packages of the language. */
    private static Map<String, Map<String, Set<String>>> packageDependencies(Path classes) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("this JDK has no jdeps tool"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:class", "-filter:none", "-e",
                        ROOT.replace(".", "\\.") + "(\\..*)?", classes.toString());
        assertEquals(0, status, "jdeps failed: " + err + out);
        Map<String, Map<String, Set<String>>> deps = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            // "   dev.dnnrun.language.accel.SegmentNode   -> dev.dnnrun.language.nodes.OpNode   classes"
            String[] f = line.trim().split("\\s+");
            if (!line.startsWith(" ") || f.length < 3 || !f[1].equals("->")) {
                continue;
            }
            String from = packageOf(f[0]);
            String to = packageOf(f[2]);
            if (from.startsWith(ROOT) && to.startsWith(ROOT) && !from.equals(to)) {
                deps.computeIfAbsent(from, k -> new TreeMap<>()).computeIfAbsent(to, k -> new TreeSet<>()).add(f[0] + " -> " + f[2]);
            }
        }
        return deps;
    }

    private static String packageOf(String className) {
        return className.substring(0, Math.max(0, className.lastIndexOf('.')));
    }

    /** The strongly connected groups of more than one package (Tarjan's algorithm), in order of their first package. */
    static List<Set<String>> cycles(Map<String, Map<String, Set<String>>> deps) {
        Set<String> all = new TreeSet<>(deps.keySet());
        deps.values().forEach(m -> all.addAll(m.keySet()));
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<Set<String>> found = new ArrayList<>();
        for (String p : all) {
            if (!index.containsKey(p)) {
                connect(p, deps, index, low, stack, onStack, found);
            }
        }
        found.sort((a, b) -> a.iterator().next().compareTo(b.iterator().next()));
        return found;
    }

    private static void connect(String p, Map<String, Map<String, Set<String>>> deps, Map<String, Integer> index, Map<String, Integer> low,
                    Deque<String> stack, Set<String> onStack, List<Set<String>> found) {
        index.put(p, index.size());
        low.put(p, index.get(p));
        stack.push(p);
        onStack.add(p);
        for (String q : deps.getOrDefault(p, Map.of()).keySet()) {
            if (!index.containsKey(q)) {
                connect(q, deps, index, low, stack, onStack, found);
                low.put(p, Math.min(low.get(p), low.get(q)));
            } else if (onStack.contains(q)) {
                low.put(p, Math.min(low.get(p), index.get(q)));
            }
        }
        if (low.get(p).equals(index.get(p))) {
            Set<String> group = new TreeSet<>();
            String q;
            do {
                q = stack.pop();
                onStack.remove(q);
                group.add(q);
            } while (!q.equals(p));
            if (group.size() > 1) {
                found.add(group);
            }
        }
    }

    /** Each dependency inside a cycle, with a few of the class dependencies behind it, to say what to move. */
    private static String edgesWithin(Set<String> cycle, Map<String, Map<String, Set<String>>> deps) {
        StringBuilder sb = new StringBuilder();
        for (String from : cycle) {
            for (Map.Entry<String, Set<String>> e : deps.getOrDefault(from, Map.of()).entrySet()) {
                if (cycle.contains(e.getKey())) {
                    List<String> classes = new ArrayList<>(e.getValue());
                    sb.append("  ").append(from).append(" -> ").append(e.getKey()).append(": ")
                                    .append(String.join(", ", classes.subList(0, Math.min(3, classes.size()))))
                                    .append(classes.size() > 3 ? ", ... (" + classes.size() + ")" : "").append('\n');
                }
            }
        }
        return sb.toString();
    }
}
