package dev.ddtstream.schemas.wire;

import java.io.ByteArrayOutputStream;

/**
 * The Confluent wire format: byte 0 is the magic byte {@value #MAGIC_BYTE}, bytes 1..4 the
 * schema id (big-endian int), then the datum in Avro binary encoding, without any Avro
 * container-file header.
 */
public final class ConfluentWireFormat {

    public static final byte MAGIC_BYTE = 0;
    /** Magic byte plus schema id; the Avro body starts at this offset. */
    public static final int HEADER_LENGTH = 5;

    private ConfluentWireFormat() {
    }

    /**
     * Checks the frame header and returns the schema id it names.
     *
     * @param topic only for the error message
     * @throws TruncatedPayloadException  if the payload is shorter than the header
     * @throws UnknownMagicByteException  if the first byte is not {@value #MAGIC_BYTE}
     */
    public static int schemaId(byte[] payload, String topic) {
        if (payload.length < HEADER_LENGTH) {
            throw new TruncatedPayloadException("Record on topic '" + topic + "' has " + payload.length
                    + " bytes, fewer than the " + HEADER_LENGTH + "-byte Confluent header", null);
        }
        if (payload[0] != MAGIC_BYTE) {
            throw new UnknownMagicByteException(String.format(
                    "Record on topic '%s' starts with byte 0x%02x, not the Confluent magic byte 0x00;"
                            + " it was not written by a Confluent-compatible Avro serializer",
                    topic, payload[0] & 0xff));
        }
        return ((payload[1] & 0xff) << 24) | ((payload[2] & 0xff) << 16)
                | ((payload[3] & 0xff) << 8) | (payload[4] & 0xff);
    }

    /** Writes magic byte and schema id; the caller appends the Avro body. */
    static void writeHeader(ByteArrayOutputStream out, int schemaId) {
        out.write(MAGIC_BYTE);
        out.write(schemaId >>> 24);
        out.write(schemaId >>> 16);
        out.write(schemaId >>> 8);
        out.write(schemaId);
    }
}
