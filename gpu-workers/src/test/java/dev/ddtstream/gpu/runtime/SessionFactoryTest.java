package dev.ddtstream.gpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import org.junit.jupiter.api.Test;

class SessionFactoryTest {

    private static boolean cudaBuild() {
        return OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    }

    @Test
    void explicitCudaWithoutCudaIsAStartUpError() {
        assumeFalse(cudaBuild(), "this ONNX Runtime build has CUDA; the refusal case needs a CPU-only build");
        DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class,
                () -> new SessionFactory(RuntimeConfig.singleThreadedCpu().withDevice(DeviceSpec.cuda(0))));
        assertTrue(e.getMessage().contains("cuda:0"), e.getMessage());
        assertTrue(e.getMessage().contains("no CUDA execution provider"), e.getMessage());
    }

    @Test
    void autoFallsBackToCpuWithoutCuda() {
        assumeFalse(cudaBuild(), "this ONNX Runtime build has CUDA");
        SessionFactory f = new SessionFactory(RuntimeConfig.singleThreadedCpu().withDevice(DeviceSpec.AUTO));
        assertEquals(DeviceSpec.CPU, f.device());
    }

    @Test
    void cpuResolvesToCpu() {
        assertEquals(DeviceSpec.CPU, new SessionFactory(RuntimeConfig.defaults()).device());
    }
}
