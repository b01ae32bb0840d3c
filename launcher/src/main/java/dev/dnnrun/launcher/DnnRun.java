package dev.dnnrun.launcher;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Language;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;

/**
 * The {@code dnnrun} command: loads an ONNX model into the {@code dnn} language through the polyglot API, runs it
 * on inputs from files or generated ones, and prints (and optionally saves and times) the outputs. It only knows
 * the polyglot API; the language itself is found on the class path at run time. This class dispatches and reports
 * errors; {@link Options} parses the command line, {@link Session} runs the model, {@link ProfileReport} and
 * {@link Explain} print what was measured and where it ran.
 */
public final class DnnRun {
    static final String LANGUAGE = "dnn";

    private DnnRun() {
    }

    /** --list-accel: every backend on the class path, and why an unavailable one cannot run here. */
    private static int listAccelerators(PrintStream out, PrintStream err) {
        try (Context context = Context.newBuilder(LANGUAGE).allowAllAccess(true).out(out).err(err).build()) {
            Value list = context.getBindings(LANGUAGE).invokeMember("accelerators");
            out.printf(Locale.ROOT, "  %-12s %s%n", "cpu", "available (dnnrun's own kernels; always the fallback)");
            for (long i = 0; i < list.getArraySize(); i++) {
                Value a = list.getArrayElement(i);
                out.printf(Locale.ROOT, "  %-12s %s%n", a.getMember("name").asString(),
                                a.getMember("available").asBoolean() ? "available" : "unavailable: " + a.getMember("reason").asString());
            }
            return 0;
        }
    }

    public static void main(String[] args) {
        // Arrow logs through SLF4J; without a provider SLF4J prints a three-line warning on every run.
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /** The whole command; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (Options.UsageException e) {
            err.println("dnnrun: " + e.getMessage());
            err.println("Try 'dnnrun --help' for the options.");
            return 2;
        }
        if (options.help) {
            out.print(Options.USAGE);
            return 0;
        }
        if (options.version) {
            return printVersion(out, err);
        }
        if (options.listAccel) {
            return listAccelerators(out, err);
        }
        File file = new File(options.model);
        String problem = !file.exists() ? "no such file" : file.isDirectory() ? "is a directory"
                        : !file.canRead() ? "cannot read the file (permission denied)" : null;
        if (problem != null) {
            err.println("dnnrun: " + options.model + ": " + problem);
            return 1;
        }
        Context.Builder builder = Context.newBuilder(LANGUAGE).allowAllAccess(true).out(out).err(err).logHandler(logLines(err))
                        .option("dnn.Profile", Boolean.toString(options.profile)).option("dnn.Accel", options.accel)
                        .option("dnn.Fallback", options.fallback);
        if (options.placement != null) {
            builder.option("dnn.Placement", options.placement);
        }
        try (Context context = builder.build()) {
            if (options.jit && context.getEngine().getImplementationName().equals("Interpreted")) {
                err.println("dnnrun: --jit needs the Graal compiler: run through bin/dnnrun, which adds the JVM flags that enable it");
                return 2;
            }
            return new Session(options, context, out, err).run(file);
        } catch (PolyglotException e) {
            return report(e, options, err);
        } catch (LauncherError e) {
            err.println("dnnrun: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            // Context.newBuilder("dnn") fails this way when the language is missing from the class path.
            err.println("dnnrun: " + e.getMessage());
            if (options.verbose) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    /**
     * The language's log (a segment that fell back, an unavailable backend) as one "dnnrun: warning: ..." line per
     * record on {@code err}. The context closes its handler; this one leaves {@code err} open for the error report.
     */
    private static Handler logLines(PrintStream err) {
        return new Handler() {
            private final Formatter formatter = new SimpleFormatter();

            @Override
            public void publish(LogRecord record) {
                if (isLoggable(record)) {
                    err.println("dnnrun: " + record.getLevel().getName().toLowerCase(Locale.ROOT) + ": " + formatter.formatMessage(record));
                }
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
                flush();
            }
        };
    }

    /** Problem lines of a load error printed without --verbose. */
    private static final int MAX_PROBLEMS = 10;

    /**
     * Prints a polyglot error as one "dnnrun: model: problem" line, naming the model as the user did. A load error
     * with several problems lists them below, indented, the first few unless --verbose.
     */
    private static int report(PolyglotException e, Options options, PrintStream err) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        String shown = withUserPath(message, options.model);
        String[] lines = shown.split("\n");
        StringBuilder sb = new StringBuilder("dnnrun: ").append(lines[0]);
        int limit = options.verbose ? lines.length : Math.min(lines.length, MAX_PROBLEMS + 1);
        for (int i = 1; i < limit; i++) {
            sb.append('\n').append(lines[i]);
        }
        if (limit < lines.length) {
            sb.append("\n  ... and ").append(lines.length - limit).append(" more (--verbose lists all)");
        }
        if (e.isInternalError() || e.isHostException()) {
            sb.append(options.verbose ? " (internal error)" : " (internal error; --verbose prints the stack trace)");
        }
        err.println(sb);
        if (options.verbose) {
            e.printStackTrace(err);
        }
        return 1;
    }

    /** The language names the model by its full path; show the path as typed, and add it where it is missing. */
    static String withUserPath(String message, String model) {
        File file = new File(model);
        List<String> forms = new ArrayList<>(List.of(file.getAbsolutePath(), file.toPath().toAbsolutePath().normalize().toString()));
        try {
            forms.add(file.getCanonicalPath());
        } catch (IOException e) {
            // the other forms still apply
        }
        for (String form : forms) {
            if (message.startsWith(form + ":")) {
                return model + message.substring(form.length());
            }
        }
        return message.startsWith(model + ":") ? message : model + ": " + message;
    }

    private static int printVersion(PrintStream out, PrintStream err) {
        out.println("dnnrun " + launcherVersion());
        try (Engine engine = Engine.newBuilder(LANGUAGE).option("engine.WarnInterpreterOnly", "false").build()) {
            Language language = engine.getLanguages().get(LANGUAGE);
            out.println("language " + LANGUAGE + " " + language.getVersion() + " (" + language.getName() + ")");
            out.println("engine GraalVM polyglot " + engine.getVersion() + ", " + engine.getImplementationName() + " runtime");
        } catch (IllegalArgumentException e) {
            err.println("dnnrun: " + e.getMessage());
            return 1;
        }
        out.println("java " + System.getProperty("java.vm.name") + " " + Runtime.version());
        return 0;
    }

    static String launcherVersion() {
        try (InputStream in = DnnRun.class.getResourceAsStream("/dnnrun-launcher.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // fall through: the version is informational only
        }
        return "unknown";
    }

    /** A problem with the model's inputs or files that is not a polyglot error; exit status 1. */
    static final class LauncherError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LauncherError(String message) {
            super(message);
        }
    }

}
