package dev.ddtstream.tests.deploy;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The Kubernetes manifests of {@code infra/k8s}, every YAML document parsed into its model class:
 * fabric8's for Kubernetes' own kinds, Strimzi's for its custom resources. Parsing is strict: an
 * unknown field fails (the models' catch-all "additional properties" are switched off). Kinds with
 * no model artifact (the Flink operator's, KEDA's) are kept as trees. Kustomizations are kept apart.
 */
final class Manifests {

    /** One YAML document: where it is, its tree, and its model (the tree itself for a generic kind). */
    record Manifest(String source, String apiVersion, String kind, String name, JsonNode tree, Object model) {

        <T> T as(Class<T> type) {
            return type.cast(model);
        }
    }

    /** apiVersion/kind to model class. */
    static final Map<String, Class<?>> MODELS = Map.ofEntries(
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
            Map.entry("kafka.strimzi.io/v1beta2/Kafka", Kafka.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaNodePool", KafkaNodePool.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaTopic", KafkaTopic.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaUser", KafkaUser.class));

    /** Kinds with no usable model artifact: their fields are asserted on the tree. */
    static final List<String> GENERIC = List.of("flink.apache.org/v1beta1/FlinkDeployment", "keda.sh/v1alpha1/ScaledObject",
            "keda.sh/v1alpha1/TriggerAuthentication");

    static final String KUSTOMIZATION = "kustomization.yaml";

    /** Strict: unknown properties fail, including those the models would otherwise keep in their any-setter. */
    static final YAMLMapper MAPPER = strictMapper();

    final Path root;
    final List<Manifest> all;
    /** Each kustomization.yaml's directory to its tree. */
    final Map<Path, JsonNode> kustomizations;

    private Manifests(Path root, List<Manifest> all, Map<Path, JsonNode> kustomizations) {
        this.root = root;
        this.all = all;
        this.kustomizations = kustomizations;
    }

    /** {@code infra/k8s} of this checkout (the tests run in {@code tests/}). */
    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path k8s = dir.resolve("infra/k8s");
            if (Files.isDirectory(k8s)) {
                return k8s;
            }
        }
        throw new IllegalStateException("no infra/k8s above " + Path.of("").toAbsolutePath());
    }

    /** Every document under {@code base} and {@code overlays}, parsed afresh (callers may mutate the models). */
    static Manifests load() {
        Path root = root();
        List<Manifest> all = new ArrayList<>();
        Map<Path, JsonNode> kustomizations = new java.util.LinkedHashMap<>();
        for (Path file : yamlFiles(root)) {
            List<JsonNode> docs = documents(file);
            if (file.getFileName().toString().equals(KUSTOMIZATION)) {
                kustomizations.put(file.getParent(), docs.get(0));
                continue;
            }
            for (int i = 0; i < docs.size(); i++) {
                all.add(parse(root.relativize(file) + "#" + i, docs.get(i)));
            }
        }
        return new Manifests(root, all, kustomizations);
    }

    /** One document as its model; throws naming {@code source} for an unknown kind or field. */
    static Manifest parse(String source, JsonNode tree) {
        String apiVersion = tree.path("apiVersion").asText();
        String kind = tree.path("kind").asText();
        String name = tree.path("metadata").path("name").asText();
        String type = apiVersion + "/" + kind;
        if (GENERIC.contains(type)) {
            return new Manifest(source, apiVersion, kind, name, tree, tree);
        }
        Class<?> model = MODELS.get(type);
        if (model == null) {
            throw new IllegalArgumentException(source + ": no model for " + type + " (known: " + MODELS.keySet() + ", " + GENERIC + ")");
        }
        try {
            return new Manifest(source, apiVersion, kind, name, tree, MAPPER.treeToValue(tree, model));
        } catch (IOException e) {
            throw new IllegalArgumentException(source + " (" + kind + " " + name + "): " + e.getMessage(), e);
        }
    }

    /** {@code tree} as {@code type}, strictly; throws naming {@code source}. */
    static <T> T convert(String source, JsonNode tree, Class<T> type) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    static List<JsonNode> documents(Path file) {
        try (MappingIterator<JsonNode> docs = MAPPER.readerFor(JsonNode.class).readValues(file.toFile())) {
            return docs.readAll().stream().filter(d -> d != null && !d.isNull() && !d.isMissingNode() && !d.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static List<Path> yamlFiles(Path root) {
        List<Path> files = new ArrayList<>();
        for (String dir : List.of("base", "overlays")) {
            try (Stream<Path> s = Files.walk(root.resolve(dir))) {
                s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    /** The models of {@code type}. */
    <T> List<T> of(Class<T> type) {
        return all.stream().filter(m -> type.isInstance(m.model())).map(m -> type.cast(m.model())).toList();
    }

    /** The documents of {@code kind} (generic ones included). */
    List<Manifest> kind(String kind) {
        return all.stream().filter(m -> m.kind().equals(kind)).toList();
    }

    /** Drops the documents {@code drop} matches (for the tests that show a check fails). */
    Manifests without(Predicate<Manifest> drop) {
        return new Manifests(root, all.stream().filter(drop.negate()).toList(), kustomizations);
    }

    private static YAMLMapper strictMapper() {
        SimpleModule strict = new SimpleModule("strict-manifests");
        strict.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean, BeanDeserializerBuilder builder) {
                // fabric8's and Strimzi's models keep unknown fields in additionalProperties: refuse them instead
                builder.setAnySetter(null);
                builder.setIgnoreUnknownProperties(false);
                return builder;
            }
        });
        YAMLMapper mapper = new YAMLMapper();
        mapper.registerModule(strict);
        mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        return mapper;
    }
}
