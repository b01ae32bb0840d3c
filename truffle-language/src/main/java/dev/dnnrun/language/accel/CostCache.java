package dev.dnnrun.language.accel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Measured times of segments per backend on this machine, for {@code --accel auto}: one line per measurement,
 * "backend TAB segment-key TAB nanoseconds", appended to a file so later runs skip measuring. A missing or
 * unwritable file only costs re-measuring.
 */
public final class CostCache {
    private final Path file;
    private final Map<String, Long> nanos = new HashMap<>();

    public CostCache(Path file) {
        this.file = file;
        if (file != null && Files.isReadable(file)) {
            try {
                for (String line : Files.readAllLines(file)) {
                    String[] f = line.split("\t");
                    if (f.length == 3) {
                        nanos.put(f[0] + "\t" + f[1], Long.parseLong(f[2]));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                nanos.clear();
            }
        }
    }

    public synchronized Long get(String backend, String key) {
        return nanos.get(backend + "\t" + key);
    }

    public synchronized void put(String backend, String key, long value) {
        nanos.put(backend + "\t" + key, value);
        if (file == null) {
            return;
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, backend + "\t" + key + "\t" + value + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // measuring again next time is the only cost
        }
    }
}
