package dev.dnnrun.accel.backends.onednn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The part of oneDNN 2.6's C API ({@code libdnnl.so.2}, Debian {@code libdnnl-dev}) that the backend uses. Struct
 * sizes and enum values were read from {@code /usr/include/oneapi/dnnl/dnnl_types.h} of 2.6.3 with a C probe; the
 * op descriptors are opaque, zeroed blocks that oneDNN fills in.
 *
 * <p>Functions returning a {@code dnnl_status_t} are called by name through {@link #call}, which binds each on first
 * use from the Java types of its arguments. Every call site therefore passes exactly the C parameter types of
 * {@code dnnl.h}: a MemorySegment for pointers and handles, an int for int, enums and unsigned, a long for
 * {@code dnnl_dim_t} and {@code size_t}, a float for float. A later call with other types is refused, never rebound.
 */
final class Dnnl {
    static final String LIBRARY = "libdnnl.so.2";
    /** OpenMP thread count for oneDNN (see OneDnnAccelerator's javadoc). */
    static final String THREADS_PROPERTY = "dnnrun.onednn.threads";

    /** sizeof(dnnl_memory_desc_t), x86-64. */
    static final long MEMORY_DESC_SIZE = 696;
    /** Room for every op descriptor the backend makes: the largest, dnnl_convolution_desc_t, has 5976 bytes. */
    static final long OP_DESC_SIZE = 5976;
    static final int MAX_DIMS = 12;

    // Enums.
    static final int F32 = 3;
    static final int FORMAT_ANY = 1;
    static final int QUERY_EXEC_ARG_MD = 255;
    static final int CPU = 1;
    static final int STREAM_DEFAULT = 1;
    static final int FORWARD_INFERENCE = 96;
    static final int CONVOLUTION_DIRECT = 1;
    static final int POOLING_MAX = 511;
    static final int POOLING_AVG_INCLUDE_PADDING = 767;
    static final int POOLING_AVG_EXCLUDE_PADDING = 1023;
    static final int LRN_ACROSS_CHANNELS = 0xaff;
    /** Batch normalization flags: use_global_stats | use_scale | use_shift. */
    static final int BNORM_INFERENCE_FLAGS = 1 | 8 | 16;
    /** The eltwise algorithm of each ONNX op oneDNN runs as one (LeakyRelu is relu with a slope). */
    static final Map<String, Integer> ELTWISE = Map.of("Relu", 31, "LeakyRelu", 31, "Tanh", 47, "Abs", 95, "Sqrt", 111, "Sigmoid", 175,
                    "Exp", 191, "Clip", 255);
    /** The binary algorithm of each ONNX op oneDNN runs as one. */
    static final Map<String, Integer> BINARY = Map.of("Add", 0x1fff0, "Sum", 0x1fff0, "Mul", 0x1fff1, "Max", 0x1fff2, "Min", 0x1fff3,
                    "Div", 0x1fff4, "Sub", 0x1fff5);

    // Execution argument kinds.
    static final int ARG_SRC = 1;
    static final int ARG_SRC_1 = 2;
    static final int ARG_DST = 17;
    static final int ARG_WEIGHTS = 33;
    static final int ARG_BIAS = 41;
    static final int ARG_MULTIPLE_SRC = 1024;
    /** DNNL_ARG_SCALE, _SHIFT, _MEAN and _VARIANCE: ONNX BatchNormalization's inputs 1 to 4. */
    static final int[] BNORM_ARGS = { 51, 52, 49, 50 };

    /** dnnl_exec_arg_t: {int arg; dnnl_memory_t memory;}. */
    static final MemoryLayout EXEC_ARG = MemoryLayout.structLayout(JAVA_INT.withName("arg"), MemoryLayout.paddingLayout(4), ADDRESS.withName("memory"));

    private static final String[] STATUS = { "success", "out_of_memory", "invalid_arguments", "unimplemented",
        "iterator_ends", "runtime_error", "not_required" };

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Map<String, MethodHandle> BOUND = new ConcurrentHashMap<>();
    /** The library, or null when it is not installed. */
    private static final SymbolLookup LIB;
    /** Non-null when the library cannot be used here. */
    static final String unavailable;
    /** omp_set_num_threads with the configured count bound, or null when {@link #THREADS_PROPERTY} is unset. */
    private static final MethodHandle ompSetNumThreads;

    static {
        SymbolLookup lib = null;
        String why = null;
        MethodHandle omp = null;
        try {
            lib = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
            String threads = System.getProperty(THREADS_PROPERTY);
            if (threads != null) {
                omp = MethodHandles.insertArguments(LINKER.downcallHandle(ompSymbol(lib), FunctionDescriptor.ofVoid(JAVA_INT)), 0, parseThreads(threads));
            }
        } catch (IllegalArgumentException e) {
            why = lib == null ? LIBRARY + " not found (install Debian package libdnnl-dev)" : e.getMessage();
        }
        LIB = lib;
        unavailable = why;
        ompSetNumThreads = omp;
    }

    // Bound up front: the calls of every execution (invokeExact, no boxing) and those returning something else than a status.
    static final MethodHandle execute = bind("dnnl_primitive_execute", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
    static final MethodHandle setDataHandle = bind("dnnl_memory_set_data_handle", JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle streamWait = bind("dnnl_stream_wait", JAVA_INT, ADDRESS);
    private static final MethodHandle getSize = bind("dnnl_memory_desc_get_size", JAVA_LONG, ADDRESS);
    private static final MethodHandle equal = bind("dnnl_memory_desc_equal", JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle queryMd = bind("dnnl_primitive_desc_query_md", ADDRESS, ADDRESS, JAVA_INT, JAVA_INT);

    private Dnnl() {
    }

    private static MethodHandle bind(String name, MemoryLayout result, MemoryLayout... args) {
        return LIB == null ? null : LINKER.downcallHandle(LIB.findOrThrow(name), FunctionDescriptor.of(result, args));
    }

    /** A positive thread count, else IllegalArgumentException (which makes the backend unavailable with its message). */
    static int parseThreads(String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(THREADS_PROPERTY + "=" + value + ": expected a positive thread count");
    }

    /**
     * omp_set_num_threads of the OpenMP runtime libdnnl was linked with: dlsym on libdnnl's handle also searches its
     * dependencies (libgomp for Debian's build). Any other OpenMP runtime would not be oneDNN's.
     */
    static MemorySegment ompSymbol(SymbolLookup lib) {
        return lib.find("omp_set_num_threads").orElseThrow(() -> new IllegalArgumentException(THREADS_PROPERTY + " is set but " + LIBRARY
                        + " has no OpenMP runtime (omp_set_num_threads not found)"));
    }

    /**
     * Applies {@link #THREADS_PROPERTY} to the calling thread: OpenMP keeps the thread count per calling thread, so
     * every thread that creates or executes primitives sets it (a cheap call). No-op when the property is unset.
     */
    static void applyThreads() {
        if (ompSetNumThreads != null) {
            invoke("omp_set_num_threads", ompSetNumThreads);
        }
    }

    /** Calls {@code name} (a function returning dnnl_status_t) with {@code args} and checks the status. */
    static void call(String name, Object... args) {
        MemoryLayout[] types = new MemoryLayout[args.length];
        for (int i = 0; i < args.length; i++) {
            types[i] = switch (args[i]) {
                case MemorySegment _ -> ADDRESS;
                case Integer _ -> JAVA_INT;
                case Long _ -> JAVA_LONG;
                case Float _ -> JAVA_FLOAT;
                default -> throw new IllegalArgumentException(name + " argument " + i + " of type " + args[i].getClass());
            };
        }
        MethodHandle h = BOUND.computeIfAbsent(name, n -> bind(n, JAVA_INT, types));
        if (!h.type().equals(FunctionDescriptor.of(JAVA_INT, types).toMethodType())) {
            throw new IllegalArgumentException(name + " bound as " + h.type() + ", called with other argument types");
        }
        check(name, (int) invoke(name, h, args));
    }

    private static Object invoke(String name, MethodHandle h, Object... args) {
        try {
            return h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException(name + " failed: " + t, t);
        }
    }

    /** Throws, naming the call, unless {@code status} is dnnl_success. */
    static void check(String name, int status) {
        if (status != 0) {
            String s = status > 0 && status < STATUS.length ? STATUS[status] : "status " + status;
            throw new IllegalStateException(name + " returned dnnl_" + s);
        }
    }

    /** Calls {@code name(out, args...)}, which fills in {@code out}, and returns {@code out}. */
    private static MemorySegment fill(MemorySegment out, String name, Object... args) {
        call(name, Stream.concat(Stream.of(out), Arrays.stream(args)).toArray());
        return out;
    }

    /** Calls a creator {@code name(&handle, args...)} and returns the handle. */
    static MemorySegment create(Arena arena, String name, Object... args) {
        return fill(arena.allocate(ADDRESS), name, args).get(ADDRESS, 0);
    }

    /** An op descriptor filled in by oneDNN's {@code init(desc, args...)}. */
    static MemorySegment opDesc(Arena arena, String init, Object... args) {
        return fill(arena.allocate(OP_DESC_SIZE, 8), init, args);
    }

    /** Bytes a memory with descriptor {@code md} spans. */
    static long memoryDescSize(MemorySegment md) {
        return (long) invoke("dnnl_memory_desc_get_size", getSize, md);
    }

    /** Whether two memory descriptors describe the same layout (dims, data type, strides or blocking). */
    static boolean sameLayout(MemorySegment a, MemorySegment b) {
        return (int) invoke("dnnl_memory_desc_equal", equal, a, b) != 0;
    }

    /**
     * A copy (in {@code arena}) of the memory descriptor that primitive descriptor {@code pd} expects for execute
     * argument {@code arg}: the layout oneDNN chose where the op descriptor said "any".
     */
    static MemorySegment argLayout(Arena arena, MemorySegment pd, int arg) {
        MemorySegment md = (MemorySegment) invoke("dnnl_primitive_desc_query_md", queryMd, pd, QUERY_EXEC_ARG_MD, arg);
        if (md.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("dnnl_primitive_desc_query_md found no memory for argument " + arg);
        }
        return arena.allocate(MEMORY_DESC_SIZE, 8).copyFrom(md.reinterpret(MEMORY_DESC_SIZE));
    }

    /** The logical dims of memory descriptor {@code md} (dnnl_memory_desc_t starts with int ndims, int64 dims[12]). */
    static long[] dimsOf(MemorySegment md) {
        long[] d = new long[md.get(JAVA_INT, 0)];
        for (int i = 0; i < d.length; i++) {
            d[i] = md.get(JAVA_LONG, 8 + 8L * i);
        }
        return d;
    }

    /** A float32 memory descriptor whose layout the primitive chooses ({@code dnnl_format_tag_any}). */
    static MemorySegment anyLayout(Arena arena, long... shape) {
        return fill(arena.allocate(MEMORY_DESC_SIZE, 8), "dnnl_memory_desc_init_by_tag", shape.length, dims(arena, shape), F32, FORMAT_ANY);
    }

    /** A dnnl_dims_t (12 int64) holding {@code values}. */
    static MemorySegment dims(Arena arena, long... values) {
        return arena.allocate(JAVA_LONG, MAX_DIMS).copyFrom(MemorySegment.ofArray(values));
    }

    /** A float32 memory descriptor for a dense row-major tensor (rank 0 becomes [1]). */
    static MemorySegment rowMajor(Arena arena, long... shape) {
        long[] d = shape.length == 0 ? new long[] { 1 } : shape;
        return strided(arena, d, rowMajorStrides(d));
    }

    /** Row-major strides (in elements) of {@code dims}. */
    static long[] rowMajorStrides(long[] dims) {
        long[] strides = new long[dims.length];
        long s = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= dims[i];
        }
        return strides;
    }

    /** A float32 memory descriptor with explicit strides (in elements). */
    static MemorySegment strided(Arena arena, long[] dims, long[] strides) {
        return fill(arena.allocate(MEMORY_DESC_SIZE, 8), "dnnl_memory_desc_init_by_strides", dims.length, dims(arena, dims), F32, dims(arena, strides));
    }
}
