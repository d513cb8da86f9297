package dev.ddtstream.evaluator.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

/** The watermark generator with a fake wall clock and a recording output. */
class QuietAwareWatermarksFakeClockTest {

    private final AtomicLong wall = new AtomicLong(1_000_000);
    private final Recorder out = new Recorder();
    private final QuietAwareWatermarks marks = new QuietAwareWatermarks(2_000, 5_000, wall::get);

    private static final class Recorder implements WatermarkOutput {
        long last = Long.MIN_VALUE;
        boolean idle;

        @Override
        public void emitWatermark(Watermark w) {
            last = w.getTimestamp();
            idle = false;
        }

        @Override
        public void markIdle() {
            idle = true;
        }

        @Override
        public void markActive() {
            idle = false;
        }
    }

    @Test
    void trailsTheNewestEventByTheOutOfOrderness() {
        marks.onEvent(null, 990_000, out);
        marks.onEvent(null, 995_000, out);
        marks.onEvent(null, 993_000, out);
        marks.onPeriodicEmit(out);
        assertEquals(995_000 - 2_000 - 1, out.last);
    }

    @Test
    void aQuietPartitionWithAnOldEventFollowsTheWallClockInsteadOfLaggingByItsAge() {
        marks.onEvent(null, 400_000, out); // read now, happened ten minutes ago
        wall.addAndGet(6_000);
        marks.onPeriodicEmit(out);
        assertEquals(wall.get() - 5_000 - 2_000 - 1, out.last);
    }

    @Test
    void aQuietPartitionAheadOfTheWallClockKeepsMovingOn() {
        marks.onEvent(null, 9_000_000, out); // future event times (a replay, a test)
        wall.addAndGet(8_000);
        marks.onPeriodicEmit(out);
        assertEquals(9_000_000 - 2_000 - 1 + 3_000, out.last);
    }

    @Test
    void aPartitionThatNeverHadAnEventGoesIdleAfterTheQuietTime() {
        marks.onPeriodicEmit(out);
        assertFalse(out.idle);
        wall.addAndGet(5_001);
        marks.onPeriodicEmit(out);
        assertTrue(out.idle);
        assertEquals(Long.MIN_VALUE, out.last, "no watermark without events");
    }
}
