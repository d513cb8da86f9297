package dev.ddtstream.schemas.wire;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * A hand-written stand-in for an avro-maven-plugin generated class, so that these tests do not
 * depend on the project's .avsc files. Version 2 of the Order record: {@code note} was added with
 * a default, so records written with {@link #V1} resolve into it.
 */
public class TestOrder extends SpecificRecordBase {

    public static final Schema SCHEMA$ = new Schema.Parser().parse("""
            {"type": "record", "name": "TestOrder", "namespace": "dev.ddtstream.schemas.wire",
             "fields": [
               {"name": "id", "type": {"type": "string", "avro.java.string": "String"}},
               {"name": "quantity", "type": "int"},
               {"name": "note", "type": {"type": "string", "avro.java.string": "String"}, "default": "none"}
             ]}""");

    /** The first version of the same record, without {@code note}. */
    public static final Schema V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "TestOrder", "namespace": "dev.ddtstream.schemas.wire",
             "fields": [
               {"name": "id", "type": "string"},
               {"name": "quantity", "type": "int"}
             ]}""");

    private static final SpecificData MODEL$ = new SpecificData();

    private String id;
    private int quantity;
    private String note;

    public TestOrder() {
    }

    public TestOrder(String id, int quantity, String note) {
        this.id = id;
        this.quantity = quantity;
        this.note = note;
    }

    public String getId() {
        return id;
    }

    public int getQuantity() {
        return quantity;
    }

    public String getNote() {
        return note;
    }

    @Override
    public SpecificData getSpecificData() {
        return MODEL$;
    }

    @Override
    public Schema getSchema() {
        return SCHEMA$;
    }

    @Override
    public Object get(int field) {
        return switch (field) {
            case 0 -> id;
            case 1 -> quantity;
            case 2 -> note;
            default -> throw new IndexOutOfBoundsException("Invalid index: " + field);
        };
    }

    @Override
    public void put(int field, Object value) {
        switch (field) {
            case 0 -> id = value == null ? null : value.toString();
            case 1 -> quantity = (Integer) value;
            case 2 -> note = value == null ? null : value.toString();
            default -> throw new IndexOutOfBoundsException("Invalid index: " + field);
        }
    }
}
