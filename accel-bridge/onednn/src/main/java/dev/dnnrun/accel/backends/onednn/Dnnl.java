package dev.dnnrun.accel.backends.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.HashMap;
import java.util.Map;

/**
 * The part of oneDNN 2.6's C API ({@code libdnnl.so.2}, Debian {@code libdnnl-dev}) that the backend uses. Struct
 * sizes and enum values were read from {@code /usr/include/oneapi/dnnl/dnnl_types.h} of 2.6.3 with a C probe; the
 * op descriptors are opaque, zeroed blocks of those sizes that oneDNN fills in.
 */
final class Dnnl {
    static final String LIBRARY = "libdnnl.so.2";
    /** OpenMP thread count for oneDNN (see OneDnnAccelerator's javadoc). */
    static final String THREADS_PROPERTY = "dnnrun.onednn.threads";

    // Struct sizes (x86-64, oneDNN 2.6).
    static final long MEMORY_DESC_SIZE = 696;
    static final long CONV_DESC_SIZE = 5976;
    static final long POOL_DESC_SIZE = 3192;
    static final long ELTWISE_DESC_SIZE = 1416;
    static final long BNORM_DESC_SIZE = 3496;
    static final long BINARY_DESC_SIZE = 2096;
    static final long MATMUL_DESC_SIZE = 2800;
    static final long SOFTMAX_DESC_SIZE = 1408;
    static final long LRN_DESC_SIZE = 1432;
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
    static final int USE_GLOBAL_STATS = 1;
    static final int USE_SCALE = 8;
    static final int USE_SHIFT = 16;
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
    static final int ARG_MEAN = 49;
    static final int ARG_VARIANCE = 50;
    static final int ARG_SCALE = 51;
    static final int ARG_SHIFT = 52;
    static final int ARG_MULTIPLE_SRC = 1024;

    /** dnnl_exec_arg_t: {int arg; dnnl_memory_t memory;}. */
    static final MemoryLayout EXEC_ARG = MemoryLayout.structLayout(ValueLayout.JAVA_INT.withName("arg"),
                    MemoryLayout.paddingLayout(4), ValueLayout.ADDRESS.withName("memory"));

    private static final String[] STATUS = { "success", "out_of_memory", "invalid_arguments", "unimplemented",
        "iterator_ends", "runtime_error", "not_required" };

    /** Non-null when the library cannot be used here. */
    static final String unavailable;
    private static final Map<String, MethodHandle> handles = new HashMap<>();
    static final MethodHandle execute;
    static final MethodHandle setDataHandle;
    static final MethodHandle streamWait;
    /** omp_set_num_threads with the configured count bound, or null when {@link #THREADS_PROPERTY} is unset. */
    private static final MethodHandle ompSetNumThreads;

    static {
        String why = null;
        MethodHandle omp = null;
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
            var P = ValueLayout.ADDRESS;
            var I = ValueLayout.JAVA_INT;
            var L = ValueLayout.JAVA_LONG;
            var F = ValueLayout.JAVA_FLOAT;
            bind(lib, "dnnl_engine_create", P, I, L);
            bind(lib, "dnnl_engine_destroy", P);
            bind(lib, "dnnl_stream_create", P, P, I);
            bind(lib, "dnnl_stream_destroy", P);
            bind(lib, "dnnl_memory_desc_init_by_strides", P, I, P, I, P);
            bind(lib, "dnnl_memory_desc_init_by_tag", P, I, P, I, I);
            bind(lib, "dnnl_memory_create", P, P, P, P);
            bind(lib, "dnnl_memory_destroy", P);
            bind(lib, "dnnl_dilated_convolution_forward_desc_init", P, I, I, P, P, P, P, P, P, P, P);
            bind(lib, "dnnl_pooling_forward_desc_init", P, I, I, P, P, P, P, P, P);
            bind(lib, "dnnl_eltwise_forward_desc_init", P, I, I, P, F, F);
            bind(lib, "dnnl_batch_normalization_forward_desc_init", P, I, P, F, I);
            bind(lib, "dnnl_binary_desc_init", P, I, P, P, P);
            bind(lib, "dnnl_matmul_desc_init", P, P, P, P, P);
            bind(lib, "dnnl_reorder_primitive_desc_create", P, P, P, P, P, P);
            bind(lib, "dnnl_concat_primitive_desc_create", P, P, I, I, P, P, P);
            bind(lib, "dnnl_softmax_forward_desc_init", P, I, P, I);
            bind(lib, "dnnl_lrn_forward_desc_init", P, I, I, P, L, F, F, F);
            bind(lib, "dnnl_primitive_attr_create", P);
            bind(lib, "dnnl_primitive_attr_destroy", P);
            bind(lib, "dnnl_primitive_attr_set_post_ops", P, P);
            bind(lib, "dnnl_primitive_attr_set_output_scales", P, L, I, P);
            bind(lib, "dnnl_post_ops_create", P);
            bind(lib, "dnnl_post_ops_destroy", P);
            bind(lib, "dnnl_post_ops_append_eltwise", P, F, I, F, F);
            bind(lib, "dnnl_post_ops_append_sum", P, F);
            bind(lib, "dnnl_primitive_desc_create", P, P, P, P, P);
            bind(lib, "dnnl_primitive_desc_destroy", P);
            bind(lib, "dnnl_primitive_create", P, P);
            bind(lib, "dnnl_primitive_destroy", P);
            bind(lib, "dnnl_primitive_execute", P, P, I, P);
            bind(lib, "dnnl_memory_set_data_handle", P, P);
            bind(lib, "dnnl_stream_wait", P);
            handles.put("dnnl_memory_desc_get_size", downcall(lib.findOrThrow("dnnl_memory_desc_get_size"), FunctionDescriptor.of(L, P)));
            handles.put("dnnl_memory_desc_equal", downcall(lib.findOrThrow("dnnl_memory_desc_equal"), FunctionDescriptor.of(I, P, P)));
            handles.put("dnnl_primitive_desc_query_md", downcall(lib.findOrThrow("dnnl_primitive_desc_query_md"), FunctionDescriptor.of(P, P, I, I)));
            String prop = System.getProperty(THREADS_PROPERTY);
            if (prop != null) {
                int n = parseThreads(prop);
                omp = MethodHandles.insertArguments(downcall(ompSymbol(lib), FunctionDescriptor.ofVoid(I)), 0, n);
            }
        } catch (ThreadsException e) {
            why = e.getMessage();
        } catch (IllegalArgumentException e) {
            why = LIBRARY + " not found (install Debian package libdnnl-dev)";
        } catch (Throwable t) {
            why = LIBRARY + " unusable: " + t;
        }
        unavailable = why;
        execute = handles.get("dnnl_primitive_execute");
        setDataHandle = handles.get("dnnl_memory_set_data_handle");
        streamWait = handles.get("dnnl_stream_wait");
        ompSetNumThreads = omp;
    }

    /** A bad {@link #THREADS_PROPERTY}; makes the backend unavailable with its message. */
    private static final class ThreadsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ThreadsException(String message) {
            super(message);
        }
    }

    static int parseThreads(String value) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1) {
            throw new ThreadsException(THREADS_PROPERTY + "=" + value + ": expected a positive thread count");
        }
        return n;
    }

    /**
     * omp_set_num_threads of the OpenMP runtime libdnnl was linked with: dlsym on libdnnl's handle also searches its
     * dependencies (libgomp for Debian's build); libgomp.so.1 by name is the fallback.
     */
    static MemorySegment ompSymbol(SymbolLookup lib) {
        var sym = lib.find("omp_set_num_threads");
        if (sym.isEmpty()) {
            try {
                sym = SymbolLookup.libraryLookup("libgomp.so.1", Arena.global()).find("omp_set_num_threads");
            } catch (IllegalArgumentException e) {
                // not there either
            }
        }
        return sym.orElseThrow(() -> new ThreadsException(THREADS_PROPERTY + " is set but " + LIBRARY
                        + " has no OpenMP runtime (omp_set_num_threads not found)"));
    }

    /**
     * Applies {@link #THREADS_PROPERTY} to the calling thread: OpenMP keeps the thread count per calling thread, so
     * every thread that creates or executes primitives sets it (a cheap call). No-op when the property is unset.
     */
    static void applyThreads() {
        if (ompSetNumThreads == null) {
            return;
        }
        try {
            ompSetNumThreads.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("omp_set_num_threads failed: " + t, t);
        }
    }

    private Dnnl() {
    }

    private static MethodHandle downcall(MemorySegment symbol, FunctionDescriptor fd) {
        return Linker.nativeLinker().downcallHandle(symbol, fd);
    }

    private static void bind(SymbolLookup lib, String name, ValueLayout... args) {
        handles.put(name, downcall(lib.findOrThrow(name), FunctionDescriptor.of(ValueLayout.JAVA_INT, args)));
    }

    /** Calls {@code name} with boxed arguments (compile-time paths only). */
    private static Object invoke(String name, Object... args) {
        try {
            return handles.get(name).invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException(name + " failed: " + t, t);
        }
    }

    /** Calls {@code name} and checks its status. */
    static void call(String name, Object... args) {
        check(name, (int) invoke(name, args));
    }

    /** Throws, naming the call, unless {@code status} is dnnl_success. */
    static void check(String name, int status) {
        if (status != 0) {
            String s = status > 0 && status < STATUS.length ? STATUS[status] : "status " + status;
            throw new IllegalStateException(name + " returned dnnl_" + s);
        }
    }

    /** Calls a creator {@code name(&handle, args...)} and returns the handle. */
    static MemorySegment create(Arena arena, String name, Object... args) {
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        Object[] all = new Object[args.length + 1];
        all[0] = out;
        System.arraycopy(args, 0, all, 1, args.length);
        call(name, all);
        return out.get(ValueLayout.ADDRESS, 0);
    }

    /** Bytes a memory with descriptor {@code md} spans. */
    static long memoryDescSize(MemorySegment md) {
        return (long) invoke("dnnl_memory_desc_get_size", md);
    }

    /** Whether two memory descriptors describe the same layout (dims, data type, strides or blocking). */
    static boolean sameLayout(MemorySegment a, MemorySegment b) {
        return (int) invoke("dnnl_memory_desc_equal", a, b) != 0;
    }

    /**
     * A copy (in {@code arena}) of the memory descriptor that primitive descriptor {@code pd} expects for execute
     * argument {@code arg}: the layout oneDNN chose where the op descriptor said "any".
     */
    static MemorySegment argLayout(Arena arena, MemorySegment pd, int arg) {
        MemorySegment md = (MemorySegment) invoke("dnnl_primitive_desc_query_md", pd, QUERY_EXEC_ARG_MD, arg);
        if (md.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("dnnl_primitive_desc_query_md found no memory for argument " + arg);
        }
        return arena.allocate(MEMORY_DESC_SIZE, 8).copyFrom(md.reinterpret(MEMORY_DESC_SIZE));
    }

    /** The logical dims of memory descriptor {@code md} (dnnl_memory_desc_t starts with int ndims, int64 dims[12]). */
    static long[] dimsOf(MemorySegment md) {
        long[] d = new long[md.get(ValueLayout.JAVA_INT, 0)];
        for (int i = 0; i < d.length; i++) {
            d[i] = md.get(ValueLayout.JAVA_LONG, 8 + 8L * i);
        }
        return d;
    }

    /** A float32 memory descriptor whose layout the primitive chooses ({@code dnnl_format_tag_any}). */
    static MemorySegment anyLayout(Arena arena, long... shape) {
        MemorySegment md = arena.allocate(MEMORY_DESC_SIZE, 8);
        call("dnnl_memory_desc_init_by_tag", md, shape.length, dims(arena, shape), F32, FORMAT_ANY);
        return md;
    }

    /** A dnnl_dims_t (12 int64) holding {@code values}. */
    static MemorySegment dims(Arena arena, long... values) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_LONG, MAX_DIMS);
        for (int i = 0; i < values.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_LONG, i, values[i]);
        }
        return s;
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
        if (dims.length > MAX_DIMS) {
            throw new IllegalArgumentException("rank " + dims.length + " exceeds oneDNN's " + MAX_DIMS);
        }
        MemorySegment md = arena.allocate(MEMORY_DESC_SIZE, 8);
        call("dnnl_memory_desc_init_by_strides", md, dims.length, dims(arena, dims), F32, dims(arena, strides));
        return md;
    }
}
