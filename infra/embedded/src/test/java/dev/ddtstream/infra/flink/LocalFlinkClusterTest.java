package dev.ddtstream.infra.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ddtstream.infra.net.ListeningSockets;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

class LocalFlinkClusterTest {

    @Test
    void runsJobSubmittedThroughRestAndListensOnLoopbackOnly() throws Exception {
        URI rest;
        try (LocalFlinkCluster flink = LocalFlinkCluster.start(2)) {
            rest = flink.restAddress();
            assertEquals("127.0.0.1", rest.getHost());
            if (ListeningSockets.supported()) {
                List<InetSocketAddress> beyond = ListeningSockets.beyondLoopback(ProcessHandle.current().pid());
                assertEquals(List.of(), beyond, "Flink listens beyond 127.0.0.1");
            }

            StreamExecutionEnvironment env = flink.environment();
            DataStream<Long> squares = env.fromSequence(1, 10).map(x -> x * x).returns(Long.class);
            List<Long> out = new ArrayList<>();
            try (CloseableIterator<Long> it = squares.executeAndCollect("squares")) {
                it.forEachRemaining(out::add);
            }
            out.sort(Long::compare);
            assertEquals(List.of(1L, 4L, 9L, 16L, 25L, 36L, 49L, 64L, 81L, 100L), out);
            System.out.printf("flink start-up: %d ms%n", flink.startupTime().toMillis());
        }
        assertFalse(accepts(rest.getPort()), "Flink REST still accepting after close");
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
