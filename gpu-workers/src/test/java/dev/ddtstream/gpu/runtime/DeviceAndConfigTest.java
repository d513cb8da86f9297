package dev.ddtstream.gpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeviceAndConfigTest {

    @Test
    void parsesDevices() {
        assertEquals(DeviceSpec.CPU, DeviceSpec.parse("cpu"));
        assertEquals(DeviceSpec.AUTO, DeviceSpec.parse(" AUTO "));
        assertEquals(DeviceSpec.cuda(0), DeviceSpec.parse("cuda"));
        assertEquals(DeviceSpec.cuda(3), DeviceSpec.parse("cuda:3"));
        assertEquals("cuda:3", DeviceSpec.parse("cuda:3").toString());
    }

    @Test
    void refusesBadDevices() {
        for (String bad : new String[] {"", "gpu", "cuda:", "cuda:-1", "cuda:x", "cpu:1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse(bad), bad);
            assertTrue(e.getMessage().contains("cuda") || e.getMessage().contains("device"), e.getMessage());
        }
    }

    @Test
    void validatesConfig() {
        assertThrows(IllegalArgumentException.class,
                () -> new RuntimeConfig(DeviceSpec.CPU, -1, 0, RuntimeConfig.GraphOptimization.ALL, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RuntimeConfig(DeviceSpec.CPU, 1, 1000, RuntimeConfig.GraphOptimization.ALL, true));
        assertTrue(e.getMessage().contains("interOpThreads"), e.getMessage());
        assertThrows(NullPointerException.class, () -> new RuntimeConfig(null, 1, 1, RuntimeConfig.GraphOptimization.ALL, true));
        assertEquals(DeviceSpec.AUTO, RuntimeConfig.singleThreadedCpu().withDevice(DeviceSpec.AUTO).device());
    }
}
