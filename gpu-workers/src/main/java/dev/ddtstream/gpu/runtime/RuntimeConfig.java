package dev.ddtstream.gpu.runtime;

import java.util.Objects;

/**
 * ONNX Runtime settings shared by every session of a bundle.
 *
 * @param device             where sessions run
 * @param intraOpThreads     threads inside one operator; 0 lets ONNX Runtime choose
 * @param interOpThreads     threads across independent operators; 0 lets ONNX Runtime choose
 * @param optimization       graph optimisation level
 * @param cpuMemoryArena     whether the CPU allocator keeps an arena (faster, holds memory)
 */
public record RuntimeConfig(DeviceSpec device, int intraOpThreads, int interOpThreads,
                            GraphOptimization optimization, boolean cpuMemoryArena) {

    /** Graph optimisation levels, mirroring ONNX Runtime's. */
    public enum GraphOptimization { NONE, BASIC, EXTENDED, ALL }

    /** Upper bound that catches typos such as 1000 threads. */
    public static final int MAX_THREADS = 256;

    public RuntimeConfig {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(optimization, "optimization");
        checkThreads("intraOpThreads", intraOpThreads);
        checkThreads("interOpThreads", interOpThreads);
    }

    private static void checkThreads(String name, int n) {
        if (n < 0 || n > MAX_THREADS) {
            throw new IllegalArgumentException(name + " must be in [0, " + MAX_THREADS + "] (0 = ONNX Runtime default), got " + n);
        }
    }

    /** CPU, runtime-chosen threads, all optimisations, arena on. */
    public static RuntimeConfig defaults() {
        return new RuntimeConfig(DeviceSpec.CPU, 0, 0, GraphOptimization.ALL, true);
    }

    /** CPU with one intra-op and one inter-op thread: for tests on small machines. */
    public static RuntimeConfig singleThreadedCpu() {
        return new RuntimeConfig(DeviceSpec.CPU, 1, 1, GraphOptimization.ALL, true);
    }

    public RuntimeConfig withDevice(DeviceSpec d) {
        return new RuntimeConfig(d, intraOpThreads, interOpThreads, optimization, cpuMemoryArena);
    }
}
