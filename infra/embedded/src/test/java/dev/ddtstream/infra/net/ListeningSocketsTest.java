package dev.ddtstream.infra.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class ListeningSocketsTest {

    @Test
    void parsesProcNetAddresses() throws Exception {
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080), ListeningSockets.parse("0100007F:1F90"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 22), ListeningSockets.parse("00000000:0016"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 80),
                ListeningSockets.parse("00000000000000000000000001000000:0050"));
    }

    @Test
    void seesWildcardAndLoopbackListenersOfThisProcess() throws Exception {
        assumeTrue(ListeningSockets.supported(), "needs Linux /proc");
        long pid = ProcessHandle.current().pid();
        try (ServerSocket loopback = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket wildcard = new ServerSocket(0)) {
            assertTrue(ListeningSockets.of(pid).stream().anyMatch(a -> a.getPort() == loopback.getLocalPort()));
            assertTrue(ListeningSockets.beyondLoopback(pid).stream().anyMatch(a -> a.getPort() == wildcard.getLocalPort()));
            assertFalse(ListeningSockets.beyondLoopback(pid).stream().anyMatch(a -> a.getPort() == loopback.getLocalPort()));
        }
    }
}
