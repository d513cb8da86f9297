package dev.ddtstream.evaluator.live;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Event time over the merged input: the watermark trails the largest event time seen by the
 * allowed out-of-orderness; when nothing has arrived for {@code quietMs} of wall-clock time, it
 * moves on with the wall clock, so that the last windows close while the system is quiet (a
 * dashboard should not wait for the next request to see the previous minute).
 *
 * <p>Why not per-partition watermarks with idleness: most input topics are quiet most of the time
 * (dead letters, errors), and Flink's idleness clock does not advance while a split has nothing to
 * read, so the quiet partitions held every window open.
 */
final class QuietAwareWatermarks implements WatermarkGenerator<Observation> {

    private final long outOfOrdernessMs;
    private final long quietMs;
    private long maxEventTime = Long.MIN_VALUE;
    private long lastEventWallMs = System.currentTimeMillis();
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
