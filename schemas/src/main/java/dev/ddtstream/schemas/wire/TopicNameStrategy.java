package dev.ddtstream.schemas.wire;

/**
 * Confluent's default subject naming: the schema of a topic's values is registered under
 * {@code <topic>-value}, that of its keys under {@code <topic>-key}. The only strategy these
 * serdes implement; see {@link AvroSerdeConfig#VALUE_SUBJECT_NAME_STRATEGY}.
 */
public final class TopicNameStrategy {

    private TopicNameStrategy() {
    }

    public static String subject(String topic, boolean isKey) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("a topic is needed to name the subject");
        }
        return topic + (isKey ? "-key" : "-value");
    }
}
