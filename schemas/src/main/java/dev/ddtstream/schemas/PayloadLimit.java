package dev.ddtstream.schemas;

import java.util.Map;

/**
 * The one payload limit of a deployment: the largest source image a request may carry. Everything
 * else derives from it: admission refuses larger images with a typed error; every topic accepts
 * records up to {@link #maxRecordBytes()} ({@code max.message.bytes}, set by {@link Provisioning});
 * every producer sends them ({@code max.request.size}); the client refuses a larger image before
 * sending it. A record carries the image and a few small fields, hence the fixed headroom.
 *
 * @param maxImageBytes the largest image, in bytes
 */
public record PayloadLimit(int maxImageBytes) {

    /** The setting every service and the client read: {@code payload.max-bytes}. */
    public static final String KEY = "payload.max-bytes";
    /** Room in a record for everything beside the image (ids, prompt, metadata, framing). */
    public static final int RECORD_HEADROOM = 64 * 1024;
    public static final PayloadLimit DEFAULT = new PayloadLimit(8 << 20);

    public PayloadLimit {
        if (maxImageBytes < 1 || maxImageBytes > Integer.MAX_VALUE - RECORD_HEADROOM) {
            throw new IllegalArgumentException(KEY + " must be in [1, " + (Integer.MAX_VALUE - RECORD_HEADROOM) + "], got " + maxImageBytes);
        }
    }

    /** The limit named by {@value #KEY} in {@code properties}, else the default (8 MiB). */
    public static PayloadLimit from(Map<String, ?> properties) {
        Object v = properties.get(KEY);
        if (v == null) {
            return DEFAULT;
        }
        try {
            return new PayloadLimit(Integer.parseInt(String.valueOf(v).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration " + KEY + " = '" + v + "': not a number of bytes", e);
        }
    }

    /** The largest record a topic takes and a producer sends. */
    public int maxRecordBytes() {
        return maxImageBytes + RECORD_HEADROOM;
    }

    /** What a producer needs to send the largest record. */
    public Map<String, Object> producerProperties() {
        return Map.of("max.request.size", maxRecordBytes());
    }
}
