package dev.ddtstream.evaluator.live;

import java.util.function.LongSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Event time of one input partition: the watermark trails the largest event time seen by the
 * allowed out-of-orderness; when nothing has arrived for {@code quietMs} of wall-clock time, it
 * moves on with the wall clock and is never behind it (by more than the quiet time and the
 * out-of-orderness), so that a quiet partition (dead letters, most of the time) does not hold
 * every window open, and the last windows close while the whole system is quiet. A
 * partition that has never had an event marks itself idle after {@code quietMs}.
 *
 * <p>Why not Flink's {@code withIdleness}: its clock does not advance while a split has nothing
 * to read, so quiet partitions never became idle and no window ever closed.
 */
final class QuietAwareWatermarks implements WatermarkGenerator<Observation> {

    private final long outOfOrdernessMs;
    private final long quietMs;
    private final LongSupplier wallClock;
    private final long createdWallMs;
    private long lastEventWallMs;
    private long maxEventTime = Long.MIN_VALUE;
    private long emitted = Long.MIN_VALUE;

    QuietAwareWatermarks(long outOfOrdernessMs, long quietMs) {
        this(outOfOrdernessMs, quietMs, System::currentTimeMillis);
    }

    /** With an explicit wall clock, for tests. */
    QuietAwareWatermarks(long outOfOrdernessMs, long quietMs, LongSupplier wallClock) {
        this.outOfOrdernessMs = outOfOrdernessMs;
        this.quietMs = quietMs;
        this.wallClock = wallClock;
        this.createdWallMs = wallClock.getAsLong();
        this.lastEventWallMs = createdWallMs;
    }

    @Override
    public void onEvent(Observation event, long eventTimestamp, WatermarkOutput output) {
        maxEventTime = Math.max(maxEventTime, eventTimestamp);
        lastEventWallMs = wallClock.getAsLong();
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        if (maxEventTime == Long.MIN_VALUE) {
            if (wallClock.getAsLong() - createdWallMs > quietMs) {
                output.markIdle();
            }
            return;
        }
        long now = wallClock.getAsLong();
        long watermark = maxEventTime - outOfOrdernessMs - 1;
        long quiet = now - lastEventWallMs;
        if (quiet > quietMs) {
            // event time moves on at least as fast as the wall clock, and never stays behind it:
            // a partition whose newest event is old (history read at start-up) must not hold the
            // windows back by that event's age
            watermark = Math.max(watermark + quiet - quietMs, now - quietMs - outOfOrdernessMs - 1);
        }
        if (watermark > emitted) {
            emitted = watermark;
            output.emitWatermark(new Watermark(watermark));
        }
    }
}
