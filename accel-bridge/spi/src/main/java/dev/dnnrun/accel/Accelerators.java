package dev.dnnrun.accel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The backends on the class path (found with {@link ServiceLoader}), and the choice of backends for a run:
 * {@code "cpu"} (dnnrun's own kernels only), a priority list such as {@code "onednn,openblas,cpu"}, or
 * {@code "auto"} (every available backend; each segment is then measured and placed where it runs fastest).
 */
public final class Accelerators implements AutoCloseable {
    public static final String AUTO = "auto";

    private final Map<String, Accelerator> all = new LinkedHashMap<>();

    private Accelerators(List<Accelerator> found) {
        for (Accelerator a : found) {
            all.putIfAbsent(a.name(), a);
        }
    }

    /** Every backend registered on the class path, loaded with {@code loader}. */
    public static Accelerators discover(ClassLoader loader) {
        List<Accelerator> found = new ArrayList<>();
        for (ServiceLoader.Provider<Accelerator> p : ServiceLoader.load(Accelerator.class, loader).stream().toList()) {
            try {
                found.add(p.get());
            } catch (Throwable t) {
                // a backend that cannot even be constructed is simply absent
            }
        }
        return new Accelerators(found);
    }

    public Map<String, Accelerator> all() {
        return all;
    }

    /** Null when usable, else why not; never throws. */
    public static String unavailableReason(Accelerator a) {
        try {
            return a.unavailableReason();
        } catch (Throwable t) {
            return "availability check failed: " + t;
        }
    }

    /**
     * The backends to use for {@code spec}, in priority order, leaving out "cpu" (always the fallback). Unknown
     * names are an error; unavailable ones are left out and reported through {@code warnings}.
     */
    public List<Accelerator> select(String spec, List<String> warnings) {
        List<Accelerator> chosen = new ArrayList<>();
        String s = spec == null || spec.isBlank() ? "cpu" : spec.trim();
        if (s.equals(AUTO)) {
            for (Accelerator a : all.values()) {
                if (unavailableReason(a) == null) {
                    chosen.add(a);
                }
            }
            return chosen;
        }
        for (String name : s.split(",")) {
            String n = name.trim();
            if (n.isEmpty() || n.equals("cpu")) {
                continue;
            }
            Accelerator a = all.get(n);
            if (a == null) {
                throw new IllegalArgumentException("unknown accelerator '" + n + "' (known: cpu" + (all.isEmpty() ? "" : ", ")
                                + String.join(", ", all.keySet()) + ", auto)");
            }
            String why = unavailableReason(a);
            if (why != null) {
                warnings.add("accelerator '" + n + "' is unavailable: " + why + "; its work runs on the others");
                continue;
            }
            chosen.add(a);
        }
        return chosen;
    }

    @Override
    public void close() {
        for (Accelerator a : all.values()) {
            try {
                a.close();
            } catch (Exception e) {
                // closing is best effort
            }
        }
    }
}
