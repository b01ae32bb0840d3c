package dev.dnnrun.accel.backends.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CUDA runtime and cuBLAS calls the backend uses, bound once per JVM through java.lang.foreign. Loading never
 * throws: {@link #PROBLEM} says what is missing (library, device), and nothing here is called when it is set.
 * Every wrapper checks the returned status and turns an error into an exception with CUDA's own message.
 */
final class Cuda {
    static final int MEMCPY_HOST_TO_DEVICE = 1, MEMCPY_DEVICE_TO_HOST = 2, MEMCPY_DEVICE_TO_DEVICE = 3;
    static final int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1;
    /** cudaErrorInsufficientDriver: the installed driver is older than the runtime library. */
    static final int INSUFFICIENT_DRIVER = 35;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDRESS = ValueLayout.ADDRESS;

    /** Null when CUDA and cuBLAS loaded and a device exists; otherwise every reason, joined. */
    static final String PROBLEM;
    static final int DEVICE_COUNT;
    private static MethodHandle getDeviceCount, getErrorString, malloc, free, memcpy;
    private static MethodHandle cublasCreate, cublasDestroy, cublasSgemm;

    static {
        List<String> problems = new ArrayList<>();
        int devices = 0;
        Linker linker = Linker.nativeLinker();
        List<Path> dirs = libraryDirs();
        String major = null;
        boolean runtimeFound = false;
        List<String> cudartProblems = new ArrayList<>();
        for (Candidate c : candidates("libcudart.so", new String[] {"13", "12", "11.0"}, dirs)) {
            SymbolLookup cudart = c.load(cudartProblems);
            if (cudart == null) {
                continue;
            }
            cudartProblems.clear();
            try {
                getErrorString = bind(linker, cudart, "cudaGetErrorString", FunctionDescriptor.of(ADDRESS, INT));
                getDeviceCount = bind(linker, cudart, "cudaGetDeviceCount", FunctionDescriptor.of(INT, ADDRESS));
                malloc = bind(linker, cudart, "cudaMalloc", FunctionDescriptor.of(INT, ADDRESS, SIZE_T));
                free = bind(linker, cudart, "cudaFree", FunctionDescriptor.of(INT, SIZE_T));
                memcpy = bind(linker, cudart, "cudaMemcpy", FunctionDescriptor.of(INT, SIZE_T, SIZE_T, SIZE_T, INT));
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment count = arena.allocate(INT);
                    int status = (int) getDeviceCount.invokeExact(count);
                    devices = status == 0 ? count.get(INT, 0) : 0;
                    if (status == INSUFFICIENT_DRIVER) {
                        // No driver, or one older than this runtime: an older runtime further down the list may work.
                        cudartProblems.add("no CUDA device or driver: " + c + " reports error " + status + " (" + errorString(status)
                                        + ")");
                        continue;
                    }
                    if (status != 0) {
                        cudartProblems.add("no CUDA device: cudaGetDeviceCount returned error " + status + " ("
                                        + errorString(status) + ")");
                    } else if (devices == 0) {
                        cudartProblems.add("no CUDA device: cudaGetDeviceCount returned 0");
                    }
                }
                major = c.major();
                runtimeFound = true;
                break;
            } catch (Throwable t) {
                cudartProblems.add(c + " is unusable: " + t);
            }
        }
        if (!runtimeFound && cudartProblems.isEmpty()) {
            cudartProblems.add("libcudart.so not found (loader path and " + dirs + ")");
        }
        problems.addAll(cudartProblems);
        // cuBLAS of the runtime's major version first: mixing majors is not supported by NVIDIA.
        String[] blasVersions = major == null || major.startsWith("13") ? new String[] {"13", "12", "11"}
                        : major.startsWith("12") ? new String[] {"12", "13", "11"} : new String[] {"11", "12", "13"};
        SymbolLookup cublas = null;
        List<String> blasProblems = new ArrayList<>();
        for (Candidate c : candidates("libcublas.so", blasVersions, dirs)) {
            cublas = c.load(blasProblems);
            if (cublas != null) {
                break;
            }
        }
        if (cublas != null) {
            try {
                cublasCreate = bind(linker, cublas, "cublasCreate_v2", FunctionDescriptor.of(INT, ADDRESS));
                cublasDestroy = bind(linker, cublas, "cublasDestroy_v2", FunctionDescriptor.of(INT, SIZE_T));
                cublasSgemm = bind(linker, cublas, "cublasSgemm_v2", FunctionDescriptor.of(INT, SIZE_T, INT, INT, INT,
                                INT, INT, ADDRESS, SIZE_T, INT, SIZE_T, INT, ADDRESS, SIZE_T, INT));
            } catch (Throwable t) {
                problems.add("libcublas.so is unusable: " + t);
            }
        } else {
            problems.addAll(blasProblems);
            problems.add("libcublas.so not found (loader path and " + dirs + ")");
        }
        PROBLEM = problems.isEmpty() ? null : String.join("; ", problems);
        DEVICE_COUNT = devices;
    }

    private Cuda() {
    }

    /** A library to try: a file name for the loader's search path, or a path under a CUDA installation. */
    record Candidate(String name, Path path, String major) {
        SymbolLookup load(List<String> problems) {
            try {
                return path == null ? SymbolLookup.libraryLookup(name, Arena.global()) : SymbolLookup.libraryLookup(path, Arena.global());
            } catch (IllegalArgumentException e) {
                if (path != null) {
                    problems.add(path + " could not be loaded: " + e.getMessage());
                }
                return null;
            }
        }

        @Override
        public String toString() {
            return path == null ? name : path.toString();
        }
    }

    /**
     * Where to look for library {@code name}: its versioned names (newest first) on the loader's path, then in each
     * existing directory of {@code dirs}; the unversioned name, a development symlink that may point at any version,
     * comes last.
     */
    static List<Candidate> candidates(String name, String[] versions, List<Path> dirs) {
        List<Candidate> r = new ArrayList<>();
        for (String v : versions) {
            r.add(new Candidate(name + "." + v, null, v));
        }
        for (Path dir : dirs) {
            for (String v : versions) {
                if (Files.isRegularFile(dir.resolve(name + "." + v))) {
                    r.add(new Candidate(name + "." + v, dir.resolve(name + "." + v), v));
                }
            }
        }
        r.add(new Candidate(name, null, null));
        return r;
    }

    /**
     * CUDA library directories beyond the loader's path: {@code dnnrun.cuda.libdirs} (path-separated), CUDA_HOME,
     * CUDA_PATH, a conda environment, and the default toolkit location.
     */
    static List<Path> libraryDirs() {
        List<Path> dirs = new ArrayList<>();
        for (String d : System.getProperty("dnnrun.cuda.libdirs", "").split(java.io.File.pathSeparator)) {
            if (!d.isBlank()) {
                dirs.add(Path.of(d.trim()));
            }
        }
        for (String env : new String[] {"CUDA_HOME", "CUDA_PATH"}) {
            String home = System.getenv(env);
            if (home != null && !home.isBlank()) {
                dirs.add(Path.of(home, "lib64"));
            }
        }
        String conda = System.getenv("CONDA_PREFIX");
        if (conda != null && !conda.isBlank()) {
            dirs.add(Path.of(conda, "lib"));
        }
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        return dirs;
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lib, String symbol, FunctionDescriptor fd) {
        MemorySegment address = lib.find(symbol).orElseThrow(() -> new IllegalStateException("no symbol " + symbol));
        return linker.downcallHandle(address, fd);
    }

    private static String errorString(int status) {
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(status);
            return s.equals(MemorySegment.NULL) ? "unknown" : s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "unknown";
        }
    }

    private static void check(int status, String call) {
        if (status != 0) {
            throw new IllegalStateException(call + " failed with CUDA error " + status + " (" + errorString(status) + ")");
        }
    }

    private static void checkBlas(int status, String call) {
        if (status != 0) {
            throw new IllegalStateException(call + " failed with cuBLAS status " + status);
        }
    }

    /** Device memory of {@code bytes} bytes (at least 1, so that empty tensors still get a valid pointer). */
    static long malloc(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation size " + bytes);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ptr = arena.allocate(ADDRESS);
            check((int) malloc.invokeExact(ptr, Math.max(1, bytes)), "cudaMalloc(" + bytes + ")");
            return ptr.get(ValueLayout.JAVA_LONG, 0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void free(long device) {
        if (device == 0) {
            return;
        }
        try {
            check((int) free.invokeExact(device), "cudaFree");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Copies {@code bytes} bytes; callers have checked both sides hold that many. */
    static void memcpy(long dst, long src, long bytes, int kind) {
        if (bytes == 0) {
            return; // an empty tensor's address may be 0
        }
        if (dst == 0 || src == 0 || bytes < 0) {
            throw new IllegalArgumentException("bad cudaMemcpy: dst=" + dst + " src=" + src + " bytes=" + bytes);
        }
        try {
            check((int) memcpy.invokeExact(dst, src, bytes, kind), "cudaMemcpy");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static long cublasCreate() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(ADDRESS);
            checkBlas((int) cublasCreate.invokeExact(handle), "cublasCreate_v2");
            return handle.get(ValueLayout.JAVA_LONG, 0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void cublasDestroy(long handle) {
        try {
            checkBlas((int) cublasDestroy.invokeExact(handle), "cublasDestroy_v2");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Row-major {@code y = alpha * op(a) * op(b) + beta * y} on device pointers. cuBLAS is column-major, and a
     * row-major matrix read column-major is its transpose, so this asks cuBLAS for {@code y^T = op(b)^T * op(a)^T}:
     * b goes first. Alpha and beta are read from host memory (cuBLAS's default pointer mode).
     */
    static void rowMajorSgemm(long handle, GemmCall g, float alpha, long a, long b, float beta, long y) {
        if (handle == 0 || a == 0 || b == 0 || y == 0) {
            throw new IllegalArgumentException("null pointer passed to cublasSgemm");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment al = arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha);
            MemorySegment be = arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta);
            checkBlas((int) cublasSgemm.invokeExact(handle, g.opFirst(), g.opSecond(), g.m(), g.n(), g.k(), al, b,
                            g.ldFirst(), a, g.ldSecond(), be, y, g.ldc()), "cublasSgemm_v2");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
