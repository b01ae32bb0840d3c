package dev.dnnrun.language;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.TruffleLanguage.ContextReference;
import com.oracle.truffle.api.TruffleLogger;
import com.oracle.truffle.api.nodes.Node;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.Accelerators;
import dev.dnnrun.accel.partition.Partition;
import dev.dnnrun.language.accel.BackendChoice;
import dev.dnnrun.language.accel.CostCache;
import dev.dnnrun.language.accel.FallbackPolicy;
import dev.dnnrun.language.accel.Placement;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.nodes.DnnException;
import dev.dnnrun.language.runtime.ModelObject;
import dev.dnnrun.language.runtime.TensorObject;

/**
 * Per-context state: the Arrow allocator every tensor of this context comes from, and what is still open when
 * the context closes (models, tensors handed to the user), so closing the context frees all native memory.
 */
public final class DnnContext {
    private static final ContextReference<DnnContext> REFERENCE = ContextReference.create(DnnLanguage.class);

    private final TruffleLanguage.Env env;
    private final BufferAllocator allocator = new RootAllocator();
    private final Set<ModelObject> models = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<TensorObject> tensors = Collections.newSetFromMap(new IdentityHashMap<>());

    private final boolean profiling;
    private final String accel;
    private final String placementFile;
    private Accelerators accelerators;
    private final String costCacheFile;
    private CostCache costCache;
    private final FallbackPolicy fallback;

    DnnContext(TruffleLanguage.Env env) {
        this.env = env;
        this.profiling = env.getOptions().get(DnnLanguage.Profile);
        this.accel = env.getOptions().get(DnnLanguage.Accel);
        this.placementFile = env.getOptions().get(DnnLanguage.Placement);
        this.costCacheFile = env.getOptions().get(DnnLanguage.CostCache);
        try {
            this.fallback = FallbackPolicy.parse(env.getOptions().get(DnnLanguage.Fallback));
        } catch (IllegalArgumentException e) {
            throw new DnnException("option dnn.Fallback: " + e.getMessage());
        }
    }

    /**
     * The backends segments may use and the fallback policy; with --accel auto also the candidates to measure and
     * the cost cache.
     */
    public synchronized BackendChoice backendChoice() {
        TruffleLogger log = TruffleLogger.getLogger(DnnLanguage.ID, "accel");
        if (cpuOnly()) {
            // No segments to place: finding the backends would load and bind their native libraries for nothing.
            return new BackendChoice(Map.of(), null, null, fallback, log);
        }
        if (!placementFile.isEmpty() || !accel.trim().equals(Accelerators.AUTO)) {
            return new BackendChoice(acceleratorsByName(), null, null, fallback, log);
        }
        if (costCache == null) {
            costCache = new CostCache(costCacheFile.isEmpty() ? null : Path.of(costCacheFile));
        }
        return new BackendChoice(acceleratorsByName(), accelerators().select(Accelerators.AUTO, new ArrayList<>()), costCache, fallback, log);
    }

    /** What segments do when their backend cannot run them (option dnn.Fallback). */
    public FallbackPolicy fallback() {
        return fallback;
    }

    /** The backends on the class path, loaded on first use. */
    public synchronized Accelerators accelerators() {
        if (accelerators == null) {
            accelerators = Accelerators.discover(DnnContext.class.getClassLoader());
        }
        return accelerators;
    }

    public Map<String, Accelerator> acceleratorsByName() {
        return accelerators().all();
    }

    /** True when every operator runs on dnnrun's kernels (no accelerator and no placement file). */
    public boolean cpuOnly() {
        return placementFile.isEmpty() && (accel.isBlank() || accel.trim().equals("cpu"));
    }

    /** The accelerator choice of this context (option dnn.Accel). */
    public String accel() {
        return placementFile.isEmpty() ? accel : "placement " + placementFile;
    }

    /**
     * Where the nodes of {@code graph} run: a replayed placement, the partitioner's answer, or all on the CPU (null).
     * A requested backend that is unavailable adds a warning, or under fallback error fails the load.
     */
    public Partition partition(ModelGraph graph, List<String> warnings) {
        if (!placementFile.isEmpty()) {
            return Placement.replay(graph, Path.of(placementFile), accelerators(), fallback, warnings);
        }
        if (cpuOnly()) {
            return null;
        }
        List<Accelerator> chosen;
        try {
            chosen = accelerators().select(accel, warnings);
        } catch (IllegalArgumentException e) {
            throw new DnnException(e.getMessage());
        }
        if (fallback == FallbackPolicy.ERROR && !warnings.isEmpty()) {
            throw new DnnException(unavailable(accel));
        }
        return chosen.isEmpty() ? null : Placement.partition(graph, chosen);
    }

    /** Under fallback error: each backend of the list {@code spec} that cannot run here, and why. */
    private String unavailable(String spec) {
        List<String> problems = new ArrayList<>();
        for (String name : spec.split(",")) {
            Accelerator a = acceleratorsByName().get(name.trim());
            String why = a == null ? null : Accelerators.unavailableReason(a);
            if (why != null) {
                problems.add("accelerator '" + a.name() + "' is unavailable: " + why);
            }
        }
        return String.join("; ", problems) + " " + FallbackPolicy.errorNote("its work on the others");
    }

    /** Whether models loaded in this context time their operator nodes (option dnn.Profile). */
    public boolean profiling() {
        return profiling;
    }

    public static DnnContext get(Node node) {
        return REFERENCE.get(node);
    }

    public TruffleLanguage.Env env() {
        return env;
    }

    public BufferAllocator allocator() {
        return allocator;
    }

    /** Bytes of tensor memory currently allocated in this context. */
    public long allocatedBytes() {
        return allocator.getAllocatedMemory();
    }

    public long peakBytes() {
        return allocator.getPeakMemoryAllocation();
    }

    public synchronized void track(ModelObject m) {
        models.add(m);
    }

    public synchronized void untrack(ModelObject m) {
        models.remove(m);
    }

    public synchronized void track(TensorObject t) {
        tensors.add(t);
    }

    public synchronized void untrack(TensorObject t) {
        tensors.remove(t);
    }

    synchronized void dispose() {
        for (TensorObject t : tensors.toArray(new TensorObject[0])) {
            t.release();
        }
        for (ModelObject m : models.toArray(new ModelObject[0])) {
            m.release();
        }
        if (accelerators != null) {
            accelerators.close();
        }
        long leaked = allocator.getAllocatedMemory();
        if (leaked == 0) {
            allocator.close();
        } else {
            env.getLogger("dnn").warning(leaked + " bytes of tensor memory were still held when the context closed");
        }
    }
}
