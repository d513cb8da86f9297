package dev.ddtstream.evaluator.live;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Event time of one input partition: the watermark trails the largest event time seen by the
 * allowed out-of-orderness; when nothing has arrived for {@code quietMs} of wall-clock time, it
 * moves on with the wall clock, so that a quiet partition (dead letters, most of the time) does
 * not hold every window open, and the last windows close while the whole system is quiet. A
 * partition that has never had an event marks itself idle after {@code quietMs}.
 *
 * <p>Why not Flink's {@code withIdleness}: its clock does not advance while a split has nothing
 * to read, so quiet partitions never became idle and no window ever closed.
 */
final class QuietAwareWatermarks implements WatermarkGenerator<Observation> {

    private final long outOfOrdernessMs;
    private final long quietMs;
    private long maxEventTime = Long.MIN_VALUE;
    private final long createdWallMs = System.currentTimeMillis();
    private long lastEventWallMs = createdWallMs;
    private long emitted = Long.MIN_VALUE;

    QuietAwareWatermarks(long outOfOrdernessMs, long quietMs) {
        this.outOfOrdernessMs = outOfOrdernessMs;
        this.quietMs = quietMs;
    }

    @Override
    public void onEvent(Observation event, long eventTimestamp, WatermarkOutput output) {
        maxEventTime = Math.max(maxEventTime, eventTimestamp);
        lastEventWallMs = System.currentTimeMillis();
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        if (maxEventTime == Long.MIN_VALUE) {
            if (System.currentTimeMillis() - createdWallMs > quietMs) {
                output.markIdle();
            }
            return;
        }
        long watermark = maxEventTime - outOfOrdernessMs - 1;
        long quiet = System.currentTimeMillis() - lastEventWallMs;
        if (quiet > quietMs) {
            watermark += quiet - quietMs;
        }
        if (watermark > emitted) {
            emitted = watermark;
            output.emitWatermark(new Watermark(watermark));
        }
    }
}
