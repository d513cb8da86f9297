package dev.ddtstream.tests;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Fills any generated Avro class with seeded values, walking its schema, so that round-trip tests
 * cover every field of every event type, including ones added later, without hand-written builders.
 * Unions take their non-null branch so that optional fields are exercised too.
 */
final class SampleRecords {

    private SampleRecords() {
    }

    static <V extends SpecificRecord> V of(Class<V> type, long seed) {
        return type.cast(value(SpecificData.get().getSchema(type), new Random(seed)));
    }

    private static Object value(Schema schema, Random random) {
        return switch (schema.getType()) {
            case RECORD -> {
                IndexedRecord record = (IndexedRecord) SpecificData.get().newRecord(null, schema);
                for (Schema.Field field : schema.getFields()) {
                    record.put(field.pos(), value(field.schema(), random));
                }
                yield record;
            }
            case ENUM -> SpecificData.get().createEnum(
                    schema.getEnumSymbols().get(random.nextInt(schema.getEnumSymbols().size())), schema);
            case ARRAY -> {
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < 1 + random.nextInt(3); i++) {
                    items.add(value(schema.getElementType(), random));
                }
                yield items;
            }
            case MAP -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < 1 + random.nextInt(3); i++) {
                    map.put("k" + i, value(schema.getValueType(), random));
                }
                yield map;
            }
            case UNION -> value(schema.getTypes().stream()
                    .filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow(), random);
            case STRING -> "s" + Long.toHexString(random.nextLong());
            case BYTES -> {
                byte[] bytes = new byte[1 + random.nextInt(64)];
                random.nextBytes(bytes);
                yield ByteBuffer.wrap(bytes);
            }
            case INT -> random.nextInt();
            case LONG -> random.nextLong();
            case FLOAT -> random.nextFloat();
            case DOUBLE -> random.nextDouble();
            case BOOLEAN -> random.nextBoolean();
            case NULL -> null;
            case FIXED -> throw new IllegalArgumentException("no FIXED types in our contracts: " + schema);
        };
    }
}
