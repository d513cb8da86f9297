package dev.ddtstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ddtstream.events.MmditJob;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

/** Today's job schemas against the released ones (test resources {@code released/}): the registry's BACKWARD rule. */
class SchemaEvolutionTest {

    @Test
    void everyJobSchemaReadsWhatItsReleasedVersionWrote() throws IOException {
        for (Topic<?> topic : List.of(Topics.ENCODER_JOBS, Topics.LLAMA_JOBS, Topics.MMDIT_JOBS)) {
            Schema released = released(topic.valueType().getSimpleName());
            var result = SchemaCompatibility.checkReaderWriterCompatibility(topic.valueSchema(), released);
            assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE, result.getType(),
                    topic + ": " + result.getDescription());
        }
    }

    @Test
    void aJobWrittenBeforeTheHeaderReadsWithoutOne() throws IOException {
        Schema v1 = released("MmditJob");
        GenericRecord old = new GenericData.Record(v1);
        old.put("requestId", "r1");
        old.put("kind", new GenericData.EnumSymbol(v1.getField("kind").schema(), "GENERATE"));
        old.put("visualCodes", List.of(1, 2, 3));
        old.put("seed", 7L);
        old.put("enqueuedAtMs", 10L);
        old.put("deadlineMs", null);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder out = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(v1).write(old, out);
        out.flush();
        MmditJob read = new SpecificDatumReader<MmditJob>(v1, MmditJob.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertEquals(List.of(1, 2, 3), read.getVisualCodes());
        assertNull(read.getHeader(), "the pools refuse such a job as undecodable");
    }

    private static Schema released(String name) throws IOException {
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/released/" + name + "-v1.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }
}
