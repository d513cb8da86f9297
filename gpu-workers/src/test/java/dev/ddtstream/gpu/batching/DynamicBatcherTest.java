package dev.ddtstream.gpu.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.bundle.BatchPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The batcher on a fake clock, so that waits are exact and the test takes no time. */
class DynamicBatcherTest {

    private final AtomicLong fakeNanos = new AtomicLong();

    private DynamicBatcher<String> batcher(int maxSize, long maxWaitMs) {
        return new DynamicBatcher<>(new BatchPolicy(maxSize, Duration.ofMillis(maxWaitMs)), fakeNanos::get);
    }

    private void advanceMs(long ms) {
        fakeNanos.addAndGet(Duration.ofMillis(ms).toNanos());
    }

    @Test
    void fullBatchIsReadyAtOnceAndDrainsInArrivalOrderWithFakeClock() {
        DynamicBatcher<String> b = batcher(3, 50);
        b.add("a");
        b.add("b");
        assertFalse(b.ready());
        b.add("c");
        b.add("d");
        assertTrue(b.ready());
        assertEquals(Duration.ZERO, b.timeUntilReady());
        assertEquals(List.of("a", "b", "c"), b.drain());
        assertEquals(1, b.size());
    }

    @Test
    void partialBatchBecomesReadyWhenItsOldestJobHasWaitedMaxWaitWithFakeClock() {
        DynamicBatcher<String> b = batcher(8, 50);
        assertEquals(Duration.ofMillis(50), b.timeUntilReady(), "nothing waits: a poll may block maxWait");
        b.add("a");
        advanceMs(30);
        b.add("b");
        assertFalse(b.ready());
        assertEquals(Duration.ofMillis(20), b.timeUntilReady(), "the oldest job sets the deadline");
        advanceMs(20);
        assertTrue(b.ready());
        assertEquals(Duration.ofMillis(50).toNanos(), b.oldestWaited());
        assertEquals(List.of("a", "b"), b.drain());
        assertFalse(b.ready());
        assertEquals(List.of(), b.drain());
    }

    @Test
    void zeroWaitServesEveryJobAtOnceWithFakeClock() {
        DynamicBatcher<String> b = batcher(4, 0);
        assertFalse(b.ready());
        b.add("a");
        assertTrue(b.ready());
    }

    @Test
    void policyRefusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new BatchPolicy(0, Duration.ofMillis(5)));
        assertThrows(IllegalArgumentException.class, () -> new BatchPolicy(4, Duration.ofMillis(-1)));
    }

    @Test
    void theWaitIsNeverNegativeWhenTheClockMovesBetweenReadingsWithFakeClock() {
        // every reading of the clock moves it on: the job arrives at 0, the deadline (10 ms) passes between readings
        long[] readings = {0, Duration.ofMillis(9).toNanos(), Duration.ofMillis(11).toNanos(), Duration.ofMillis(12).toNanos()};
        int[] next = {0};
        DynamicBatcher<String> b = new DynamicBatcher<>(new BatchPolicy(4, Duration.ofMillis(10)),
                () -> readings[Math.min(next[0]++, readings.length - 1)]);
        b.add("a");
        Duration wait = b.timeUntilReady();
        assertFalse(wait.isNegative(), "KafkaConsumer.poll refuses a negative timeout: " + wait);
        assertEquals(Duration.ofMillis(1), wait, "measured at one reading of the clock");
    }
}
