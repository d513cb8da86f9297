package dev.ddtstream.tests.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ddtstream.captioner.CaptionerApp;
import dev.ddtstream.cli.cluster.ClusterSecurity;
import dev.ddtstream.dashboard.DashboardMain;
import dev.ddtstream.evaluator.live.EvaluatorMain;
import dev.ddtstream.events.Stage;
import dev.ddtstream.generator.GeneratorApp;
import dev.ddtstream.gpu.pool.PoolSettings;
import dev.ddtstream.gpu.service.GpuWorkers;
import dev.ddtstream.gpu.service.GpuWorkersConfig;
import dev.ddtstream.orchestration.OrchestratorConfig;
import dev.ddtstream.schemas.PayloadLimit;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.service.ServiceSettings;
import dev.ddtstream.tests.deploy.Manifests.Manifest;
import dev.ddtstream.tokenizer.TokenizerApp;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;

/**
 * Holds {@code infra/k8s} to the code without a cluster: every document parses strictly into its
 * model; the topics are the catalogue's, provisioned as {@link Provisioning} would; every {@code DDT_*}
 * variable is one its service reads; probes and ports are the services'; every {@code KafkaUser}'s ACLs
 * are {@link ClusterSecurity#acls}; KEDA and the Flink operator get what the workers and the evaluator
 * need. Each check is a function of a parsed manifest set returning its problems, so that the tests at
 * the end can break a set in memory and see the check report it.
 */
class KubernetesManifestsTest {

    /** The GPU Deployments are ddt-&lt;stage&gt;, so their pods' names, the workers' instance names, start with this stem. */
    private static final String GPU_INSTANCE_STEM = "ddt";
    /** The routes every service's HTTP port serves ({@code ServiceHttp}). */
    private static final String READY = "/ready";
    private static final String HEALTH = "/health";
    /** The ConfigMap holding the deployment's payload limit (DDT_PAYLOAD_MAX_BYTES). */
    private static final String PAYLOAD_CONFIG_MAP = "ddt-payload";

    /** What a service reads, by the main class its container runs. */
    private static final Map<String, Collection<String>> SERVICE_KEYS = Map.of(
            GpuWorkers.class.getName(), GpuWorkersConfig.knownKeys(),
            GeneratorApp.class.getName(), OrchestratorConfig.KEYS,
            CaptionerApp.class.getName(), OrchestratorConfig.KEYS,
            TokenizerApp.class.getName(), OrchestratorConfig.KEYS,
            DashboardMain.class.getName(), DashboardMain.KEYS,
            EvaluatorMain.class.getName(), EvaluatorMain.KEYS);

    private static final Map<Stage, Topic<?>> JOB_TOPICS = Map.of(Stage.ENCODER, Topics.ENCODER_JOBS, Stage.LLAMA, Topics.LLAMA_JOBS,
            Stage.MMDIT, Topics.MMDIT_JOBS);

    // ---------------------------------------------------------------- the checks on the real manifests

    @Test
    void everyDocumentParsesIntoItsModel() {
        Manifests m = Manifests.load();
        assertTrue(m.all.size() > 40, "expected every document of infra/k8s, got " + m.all.size());
        assertTrue(m.all.stream().noneMatch(d -> d.name().isBlank()), "a document without metadata.name");
    }

    @Test
    void kustomizationsListFilesThatExistAndEveryBaseFile() {
        assertNoProblems(kustomizationProblems(Manifests.load()));
    }

    @Test
    void kafkaTopicsAreTheCatalogueProvisionedAsTheCodeDoes() {
        assertNoProblems(topicProblems(Manifests.load()));
    }

    @Test
    void everyDdtEnvironmentVariableIsReadByItsService() {
        assertNoProblems(envProblems(Manifests.load()));
    }

    @Test
    void probesUseTheServicesRoutesOnTheirConfiguredPort() {
        assertNoProblems(probeProblems(Manifests.load()));
    }

    @Test
    void everyContainerDeclaresThePortItListensOn() {
        assertNoProblems(portProblems(Manifests.load()));
    }

    @Test
    void kafkaUsersHoldExactlyTheAclsOfClusterSecurity() {
        assertNoProblems(aclProblems(Manifests.load()));
    }

    @Test
    void scaledObjectsScaleAStageOnItsJobTopicAndGroup() {
        assertNoProblems(scaledObjectProblems(Manifests.load()));
    }

    @Test
    void flinkDeploymentRunsTheEvaluatorExactlyOnceWithCheckpointsOnAVolume() {
        assertNoProblems(flinkProblems(Manifests.load()));
    }

    @Test
    void everyImageNamedIsOneTheBuildMakes() {
        Set<String> built = JibImages.built(repository());
        assertTrue(built.size() >= 7, "expected the six roles and the CUDA worker, got " + built);
        assertNoProblems(imageProblems(Manifests.load(), built));
    }

    // ---------------------------------------------------------------- each check can fail

    @Test
    void parsingRefusesAnUnknownField() {
        Manifest deployment = Manifests.load().kind("Deployment").get(0);
        ObjectNode tree = deployment.tree().deepCopy();
        ((ObjectNode) tree.path("spec").path("template").path("spec").path("containers").get(0)).put("imagePullPolisy", "Always");
        Exception e = assertThrows(IllegalArgumentException.class, () -> Manifests.parse("mutated " + deployment.source(), tree));
        assertTrue(e.getMessage().contains("imagePullPolisy"), e.getMessage());

        Manifest user = Manifests.load().kind("KafkaUser").get(0);
        ObjectNode userTree = user.tree().deepCopy();
        ((ObjectNode) userTree.path("spec")).put("quota", 1);
        e = assertThrows(IllegalArgumentException.class, () -> Manifests.parse("mutated " + user.source(), userTree));
        assertTrue(e.getMessage().contains("quota"), e.getMessage());
    }

    @Test
    void aRemovedKafkaTopicIsReported() {
        Manifests m = Manifests.load().without(d -> d.kind().equals("KafkaTopic") && d.name().equals("ddt-metrics"));
        assertReports(topicProblems(m), Topics.METRICS.name());
    }

    @Test
    void aTopicConfigOffTheProvisioningRulesIsReported() {
        Manifests m = Manifests.load();
        m.of(KafkaTopic.class).get(0).getSpec().getConfig().put("max.message.bytes", 1048588);
        assertReports(topicProblems(m), "max.message.bytes");
    }

    @Test
    void anEnvironmentKeyNoServiceReadsIsReported() {
        Manifests m = Manifests.load();
        Container worker = m.of(Deployment.class).stream().filter(d -> d.getMetadata().getName().equals("ddt-encoder")).findFirst()
                .orElseThrow().getSpec().getTemplate().getSpec().getContainers().get(0);
        worker.getEnv().stream().filter(e -> e.getName().equals("DDT_STAGES")).findFirst().orElseThrow().setName("DDT_STAGE");
        assertReports(envProblems(m), "DDT_STAGE ");
    }

    @Test
    void aMissingPortDeclarationIsReported() {
        Manifests m = Manifests.load();
        Container dashboard = m.of(Deployment.class).stream().filter(d -> d.getMetadata().getName().equals("ddt-dashboard"))
                .findFirst().orElseThrow().getSpec().getTemplate().getSpec().getContainers().get(0);
        dashboard.getPorts().get(0).setContainerPort(8080);
        assertReports(portProblems(m), "8088");
        assertReports(probeProblems(m), "8088");
    }

    @Test
    void aRemovedAclIsReported() {
        Manifests m = Manifests.load();
        KafkaUser generator = m.of(KafkaUser.class).stream().filter(u -> u.getMetadata().getName().equals("generator")).findFirst()
                .orElseThrow();
        List<AclRule> acls = ((KafkaUserAuthorizationSimple) generator.getSpec().getAuthorization()).getAcls();
        acls.removeIf(r -> r.getResource() instanceof AclRuleTopicResource t && t.getName().equals(Topics.MMDIT_JOBS.name()));
        assertReports(aclProblems(m), Topics.MMDIT_JOBS.name());
    }

    @Test
    void anImageTheBuildDoesNotMakeIsReported() {
        Manifests m = Manifests.load();
        Set<String> built = new TreeSet<>(JibImages.built(repository()));
        String orchestrators = built.stream().filter(i -> i.startsWith("ddt-stream/orchestrators:")).findFirst().orElseThrow();
        built.remove(orchestrators);
        assertReports(imageProblems(m, built), orchestrators);

        JsonNode dashboard = m.all.stream().filter(d -> d.kind().equals("Deployment") && d.name().equals("ddt-dashboard")).findFirst()
                .orElseThrow().tree();
        ((ObjectNode) dashboard.path("spec").path("template").path("spec").path("containers").get(0)).put("image", "ddt-stream/dashbord:1");
        assertReports(imageProblems(m, JibImages.built(repository())), "ddt-stream/dashbord:1");
    }

    @Test
    void aScaledObjectBeyondItsTopicsPartitionsIsReported() {
        Manifests m = Manifests.load();
        ((ObjectNode) m.kind("ScaledObject").get(0).tree().path("spec")).put("maxReplicaCount", 64);
        assertReports(scaledObjectProblems(m), "maxReplicaCount");
    }

    // ---------------------------------------------------------------- images

    /** The checkout (infra/k8s is two levels down). */
    static Path repository() {
        return Manifests.root().getParent().getParent();
    }

    /**
     * Every {@code ddt-stream/*} image that a manifest, an overlay's {@code images} rewrite or the compose
     * file names must be one the build makes ({@link JibImages}).
     */
    static List<String> imageProblems(Manifests m, Set<String> built) {
        List<String> problems = new ArrayList<>();
        for (Manifest d : m.all) {
            for (String image : imagesIn(d.tree(), new ArrayList<>())) {
                checkImage(image, d.source(), built, problems);
            }
        }
        m.kustomizations.forEach((dir, k) -> {
            String where = m.root.relativize(dir.resolve(Manifests.KUSTOMIZATION)).toString();
            for (JsonNode rewrite : k.path("images")) {
                String tag = ":" + rewrite.path("newTag").asText();
                checkImage(rewrite.path("name").asText() + tag, where, built, problems);
                if (rewrite.has("newName")) {
                    checkImage(rewrite.path("newName").asText() + tag, where, built, problems);
                }
            }
        });
        Path compose = m.root.resolveSibling("compose").resolve("compose.yaml");
        for (JsonNode doc : Manifests.documents(compose)) {
            for (String image : imagesIn(doc, new ArrayList<>())) {
                checkImage(image, "infra/compose/compose.yaml", built, problems);
            }
        }
        return problems;
    }

    private static void checkImage(String image, String where, Set<String> built, List<String> problems) {
        if (image.startsWith("ddt-stream/") && !built.contains(image)) {
            problems.add(where + ": image " + image + " is not one the build makes " + built);
        }
    }

    /** Every text value of a field named {@code image}, anywhere in {@code node}. */
    private static List<String> imagesIn(JsonNode node, List<String> found) {
        node.fields().forEachRemaining(f -> {
            if (f.getKey().equals("image") && f.getValue().isTextual()) {
                found.add(f.getValue().asText());
            }
        });
        for (JsonNode child : node) {
            imagesIn(child, found);
        }
        return found;
    }

    // ---------------------------------------------------------------- kustomizations

    static List<String> kustomizationProblems(Manifests m) {
        List<String> problems = new ArrayList<>();
        m.kustomizations.forEach((dir, k) -> {
            String where = m.root.relativize(dir.resolve(Manifests.KUSTOMIZATION)).toString();
            for (JsonNode r : k.path("resources")) {
                Path p = dir.resolve(r.asText()).normalize();
                if (!(Files.isRegularFile(p) || Files.isRegularFile(p.resolve(Manifests.KUSTOMIZATION)))) {
                    problems.add(where + ": resources lists " + r.asText() + ", which is neither a file nor a kustomization");
                }
            }
            for (JsonNode patch : k.path("patches")) {
                if (!Files.isRegularFile(dir.resolve(patch.path("path").asText()))) {
                    problems.add(where + ": patches lists " + patch.path("path").asText() + ", which does not exist");
                }
            }
        });
        Path base = m.root.resolve("base");
        List<String> listed = new ArrayList<>();
        m.kustomizations.getOrDefault(base, Manifests.MAPPER.createObjectNode()).path("resources").forEach(r -> listed.add(r.asText()));
        m.all.stream().map(d -> d.source().substring(0, d.source().indexOf('#'))).filter(s -> s.startsWith("base/")).distinct()
                .filter(s -> !listed.contains(s.substring(5)))
                .forEach(s -> problems.add("base/kustomization.yaml: resources does not list " + s + ", so it is never applied"));
        return problems;
    }

    // ---------------------------------------------------------------- topics

    static List<String> topicProblems(Manifests m) {
        List<String> problems = new ArrayList<>();
        Map<String, List<KafkaTopic>> byName = m.of(KafkaTopic.class).stream().collect(Collectors.groupingBy(KubernetesManifestsTest::topicName));
        List<String> catalogue = Topics.ALL.stream().map(Topic::name).toList();
        for (String name : catalogue) {
            int n = byName.getOrDefault(name, List.of()).size();
            if (n != 1) {
                problems.add("topics: " + n + " KafkaTopic(s) with spec.topicName " + name + ", expected exactly one");
            }
        }
        byName.keySet().stream().filter(n -> !catalogue.contains(n))
                .forEach(n -> problems.add("topics: KafkaTopic " + n + " is not in the catalogue (Topics.ALL)"));
        KafkaTopic requests = byName.getOrDefault(Topics.REQUESTS.name(), List.of()).stream().findFirst().orElse(null);
        if (requests == null) {
            return problems;
        }
        PayloadLimit payload = PayloadLimit.from(Map.of(PayloadLimit.KEY,
                configMapValue(m, PAYLOAD_CONFIG_MAP, ServiceSettings.envName(PayloadLimit.KEY))));
        Provisioning.TopicPlan plan = new Provisioning.TopicPlan(requests.getSpec().getPartitions(), requests.getSpec().getReplicas(), payload);
        for (KafkaTopic t : m.of(KafkaTopic.class)) {
            String where = "KafkaTopic " + t.getMetadata().getName();
            if (!Objects.equals(t.getSpec().getPartitions(), plan.partitions())) {
                problems.add(where + ": spec.partitions " + t.getSpec().getPartitions() + ", but every topic must have those of "
                        + Topics.REQUESTS.name() + " (" + plan.partitions() + "): the orchestrators co-partition them");
            }
            if (!Objects.equals(t.getSpec().getReplicas(), plan.replication())) {
                problems.add(where + ": spec.replicas " + t.getSpec().getReplicas() + ", expected " + plan.replication());
            }
            Map<String, String> config = new TreeMap<>();
            Objects.requireNonNullElse(t.getSpec().getConfig(), Map.<String, Object>of()).forEach((k, v) -> config.put(k, String.valueOf(v)));
            if (!config.equals(new TreeMap<>(plan.topicConfigs()))) {
                problems.add(where + ": spec.config " + config + ", but Provisioning.TopicPlan with payload.max-bytes "
                        + payload.maxImageBytes() + " (ConfigMap " + PAYLOAD_CONFIG_MAP + ") gives " + plan.topicConfigs()
                        + " (max.message.bytes, min.insync.replicas)");
            }
        }
        return problems;
    }

    private static String topicName(KafkaTopic t) {
        return t.getSpec().getTopicName() != null ? t.getSpec().getTopicName() : t.getMetadata().getName();
    }

    private static String configMapValue(Manifests m, String configMap, String key) {
        return m.of(ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(configMap)).findFirst()
                .map(c -> c.getData().get(key))
                .orElseThrow(() -> new AssertionError("ConfigMap " + configMap + " with data." + key + " is missing"));
    }

    // ---------------------------------------------------------------- workloads, environment, probes, ports

    /** A container of a workload, with its service's main class and configuration file (from args, or the Flink job). */
    record Workload(String source, String kind, String name, Map<String, String> labels, PodSpec pod, Container container,
                    String mainClass, String configFile) {

        String where() {
            return kind + " " + name + " (" + source + ") container " + container.getName();
        }
    }

    static List<Workload> workloads(Manifests m) {
        List<Workload> all = new ArrayList<>();
        for (Manifest d : m.all) {
            PodSpec pod = null;
            Map<String, String> labels = Map.of();
            String mainClass = null;
            String configFile = null;
            if (d.model() instanceof Deployment dep) {
                pod = dep.getSpec().getTemplate().getSpec();
                labels = Objects.requireNonNullElse(dep.getMetadata().getLabels(), Map.of());
            } else if (d.model() instanceof StatefulSet set) {
                pod = set.getSpec().getTemplate().getSpec();
                labels = Objects.requireNonNullElse(set.getMetadata().getLabels(), Map.of());
            } else if (d.kind().equals("FlinkDeployment")) {
                pod = Manifests.convert(d.source() + " spec.podTemplate", d.tree().path("spec").path("podTemplate"), Pod.class).getSpec();
                mainClass = d.tree().path("spec").path("job").path("entryClass").asText(null);
                configFile = d.tree().path("spec").path("job").path("args").path(0).asText(null);
            }
            if (pod == null) {
                continue;
            }
            for (Container c : pod.getContainers()) {
                List<String> args = Objects.requireNonNullElse(c.getArgs(), List.of());
                String main = mainClass != null ? mainClass : args.isEmpty() ? null : args.get(0);
                String config = configFile != null ? configFile : args.size() > 1 ? args.get(1) : null;
                all.add(new Workload(d.source(), d.kind(), d.name(), labels, pod, c, main, config));
            }
        }
        return resolvePatches(m, all);
    }

    /** An overlay's patch container runs what the base containers it patches run (kustomization patches[].target). */
    private static List<Workload> resolvePatches(Manifests m, List<Workload> all) {
        List<Workload> resolved = new ArrayList<>();
        for (Workload w : all) {
            if (!w.source().startsWith("overlays/") || w.mainClass() != null) {
                resolved.add(w);
                continue;
            }
            List<Workload> targets = patchTargets(m, w, all);
            if (targets.isEmpty()) {
                resolved.add(w); // reported: no service
            }
            targets.forEach(t -> resolved.add(new Workload(w.source(), w.kind(), w.name() + " -> " + t.name(), t.labels(), w.pod(),
                    w.container(), t.mainClass(), t.configFile())));
        }
        return resolved;
    }

    private static List<Workload> patchTargets(Manifests m, Workload patch, List<Workload> all) {
        Path file = m.root.resolve(patch.source().substring(0, patch.source().indexOf('#')));
        JsonNode k = m.kustomizations.get(file.getParent());
        List<Workload> targets = new ArrayList<>();
        for (JsonNode p : k == null ? Manifests.MAPPER.createArrayNode() : k.path("patches")) {
            if (!file.getFileName().toString().equals(p.path("path").asText())) {
                continue;
            }
            String[] selector = p.path("target").path("labelSelector").asText("=").split("=", 2);
            String kind = p.path("target").path("kind").asText();
            all.stream().filter(t -> t.source().startsWith("base/") && t.kind().equals(kind)
                            && selector[1].equals(t.labels().get(selector[0])) && t.container().getName().equals(patch.container().getName()))
                    .forEach(targets::add);
        }
        return targets;
    }

    /** The container's environment: its ConfigMaps' data, then its own variables (a valueFrom one as a placeholder). */
    static Map<String, String> environment(Manifests m, Container c, List<String> problems, String where) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : Objects.requireNonNullElse(c.getEnvFrom(), List.<EnvFromSource>of())) {
            if (from.getConfigMapRef() != null) {
                String name = from.getConfigMapRef().getName();
                m.of(ConfigMap.class).stream().filter(cm -> cm.getMetadata().getName().equals(name)).findFirst()
                        .ifPresentOrElse(cm -> env.putAll(cm.getData()),
                                () -> problems.add(where + ": envFrom configMapRef " + name + " names no ConfigMap of the manifests"));
            }
        }
        for (EnvVar e : Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of())) {
            env.put(e.getName(), e.getValue() != null ? e.getValue() : "<" + e.getName() + " from valueFrom>");
        }
        return env;
    }

    static List<String> envProblems(Manifests m) {
        List<String> problems = new ArrayList<>();
        for (Workload w : workloads(m)) {
            Map<String, String> env = environment(m, w.container(), problems, w.where());
            Collection<String> keys = w.mainClass() == null ? null : SERVICE_KEYS.get(w.mainClass());
            for (String name : env.keySet()) {
                if (!name.startsWith("DDT_")) {
                    continue;
                }
                if (keys == null) {
                    problems.add(w.where() + ": env " + name + " but the container runs no ddt-stream service (main class "
                            + w.mainClass() + ")");
                } else if (!readBy(name, keys)) {
                    problems.add(w.where() + ": env " + name + " is read by no key of " + simpleName(w.mainClass())
                            + " (ServiceSettings: DDT_ + key in upper case, . and - as _; DDT_KAFKA_* and the registry's keys)");
                }
            }
        }
        return problems;
    }

    /** Whether {@link ServiceSettings} hands {@code envName} to the service: asked of ServiceSettings itself. */
    static boolean readBy(String envName, Collection<String> keys) {
        String marker = "probe-" + envName.hashCode();
        Properties base = new Properties();
        base.setProperty("kafka.bootstrap.servers", "bootstrap");
        base.setProperty("schema.registry.url", "registry");
        ServiceSettings s = ServiceSettings.of(base, Map.of(envName, marker), keys);
        return s.clientProperties().containsValue(marker) || keys.stream().anyMatch(k -> marker.equals(s.text(k, null)));
    }

    /** The service's http.port: its environment over the configuration file baked into the image ({@code config/}). */
    static Integer configuredHttpPort(Manifests m, Workload w, List<String> problems) {
        Collection<String> keys = w.mainClass() == null ? null : SERVICE_KEYS.get(w.mainClass());
        if (keys == null || !keys.contains("http.port")) {
            return null;
        }
        Path file = m.root.resolve("../../config").resolve(Path.of(Objects.requireNonNullElse(w.configFile(), "-")).getFileName()).normalize();
        if (!Files.isRegularFile(file)) {
            problems.add(w.where() + ": configuration file " + w.configFile() + " is not one of config/ (baked into the image at /etc/ddt)");
            return null;
        }
        Map<String, String> env = environment(m, w.container(), new ArrayList<>(), w.where());
        return ServiceSettings.of(ServiceSettings.read(file), env, keys).port("http.port", -1);
    }

    static List<String> probeProblems(Manifests m) {
        List<String> problems = new ArrayList<>();
        for (Workload w : workloads(m)) {
            if (w.source().startsWith("overlays/")) {
                continue; // a patch: the base's probes stand
            }
            Integer port = configuredHttpPort(m, w, problems);
            if (port == null) {
                continue;
            }
            checkProbe(w, "readinessProbe", w.container().getReadinessProbe(), READY, port, problems);
            checkProbe(w, "livenessProbe", w.container().getLivenessProbe(), HEALTH, port, problems);
        }
        return problems;
    }

    private static void checkProbe(Workload w, String field, Probe probe, String path, int httpPort, List<String> problems) {
        HTTPGetAction get = probe == null ? null : probe.getHttpGet();
        if (get == null) {
            problems.add(w.where() + ": " + field + ".httpGet missing (the service serves " + path + ")");
            return;
        }
        if (!path.equals(get.getPath())) {
            problems.add(w.where() + ": " + field + ".httpGet.path " + get.getPath() + ", the service serves " + path);
        }
        Integer port = containerPort(w.container(), get.getPort());
        if (port == null || port != httpPort) {
            problems.add(w.where() + ": " + field + ".httpGet.port " + get.getPort().getValue() + " is container port " + port
                    + ", but the service listens on http.port " + httpPort);
        }
    }

    private static Integer containerPort(Container c, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return Objects.requireNonNullElse(c.getPorts(), List.<ContainerPort>of()).stream()
                .filter(p -> port.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort).findFirst().orElse(null);
    }

    static List<String> portProblems(Manifests m) {
        List<String> problems = new ArrayList<>();
        for (Workload w : workloads(m)) {
            if (w.source().startsWith("overlays/")) {
                continue;
            }
            Integer port = configuredHttpPort(m, w, problems);
            if (port == null) {
                continue;
            }
            List<Integer> declared = Objects.requireNonNullElse(w.container().getPorts(), List.<ContainerPort>of()).stream()
                    .map(ContainerPort::getContainerPort).toList();
            if (port <= 0) {
                problems.add(w.where() + ": http.port " + port + " (from config/ and env): set DDT_HTTP_PORT to a fixed port");
            } else if (!declared.contains(port)) {
                problems.add(w.where() + ": listens on http.port " + port + " but ports[].containerPort declares " + declared);
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------- ACLs

    static List<String> aclProblems(Manifests m) {
        List<String> problems = new ArrayList<>();
        Map<String, List<String>> expected = ClusterSecurity.acls(GPU_INSTANCE_STEM).stream()
                .collect(Collectors.groupingBy(b -> b.entry().principal(), TreeMap::new,
                        Collectors.mapping(KubernetesManifestsTest::describe, Collectors.toList())));
        Map<String, List<String>> actual = new TreeMap<>();
        for (KafkaUser u : m.of(KafkaUser.class)) {
            List<String> bindings = new ArrayList<>();
            if (u.getSpec().getAuthorization() instanceof KafkaUserAuthorizationSimple simple) {
                for (AclRule r : simple.getAcls()) {
                    r.getOperations().forEach(op -> bindings.add(describe(r, op.toValue())));
                }
            }
            actual.put("User:" + u.getMetadata().getName(), bindings);
        }
        List<String> users = ClusterSecurity.USERS.stream().filter(u -> !u.equals(ClusterSecurity.ADMIN)).map(u -> "User:" + u).toList();
        for (String user : users) {
            if (!actual.containsKey(user)) {
                problems.add("users.yaml: no KafkaUser " + user.substring(5) + " (ClusterSecurity.USERS)");
            }
        }
        actual.keySet().stream().filter(u -> !users.contains(u))
                .forEach(u -> problems.add("users.yaml: KafkaUser " + u.substring(5) + " is no user of ClusterSecurity.USERS"));
        for (String user : users) {
            List<String> want = new ArrayList<>(expected.getOrDefault(user, List.of()));
            List<String> have = new ArrayList<>(actual.getOrDefault(user, List.of()));
            List<String> missing = new ArrayList<>(want);
            have.forEach(missing::remove);
            List<String> extra = new ArrayList<>(have);
            want.forEach(extra::remove);
            if (!missing.isEmpty() || !extra.isEmpty()) {
                problems.add("users.yaml KafkaUser " + user.substring(5) + " spec.authorization.acls: missing " + missing + ", not in "
                        + "ClusterSecurity.acls(\"" + GPU_INSTANCE_STEM + "\") " + extra);
            }
        }
        return problems;
    }

    private static String describe(AclBinding b) {
        return b.pattern().resourceType() + " " + b.pattern().patternType() + " " + b.pattern().name() + " " + b.entry().operation()
                + " " + b.entry().permissionType() + " host " + b.entry().host();
    }

    /** A Strimzi rule in {@link #describe(AclBinding)}'s words: Strimzi's transactionalId/prefix are Kafka's TRANSACTIONAL_ID/PREFIXED. */
    private static String describe(AclRule r, String operation) {
        JsonNode resource = Manifests.MAPPER.valueToTree(r.getResource());
        String type = resource.path("type").asText().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
        String pattern = resource.path("patternType").asText("literal").equals("prefix") ? "PREFIXED" : "LITERAL";
        String host = r.getHost() == null ? "*" : r.getHost();
        String permission = r.getType() == null ? "ALLOW" : r.getType().toValue();
        return type + " " + pattern + " " + resource.path("name").asText() + " " + operation.toUpperCase(Locale.ROOT) + " "
                + permission.toUpperCase(Locale.ROOT) + " host " + host;
    }

    // ---------------------------------------------------------------- KEDA

    static List<String> scaledObjectProblems(Manifests m) {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> partitions = m.of(KafkaTopic.class).stream()
                .collect(Collectors.toMap(KubernetesManifestsTest::topicName, t -> t.getSpec().getPartitions(), (a, b) -> a));
        Map<String, Workload> deployments = workloads(m).stream().filter(w -> w.kind().equals("Deployment") && w.source().startsWith("base/"))
                .collect(Collectors.toMap(Workload::name, Function.identity(), (a, b) -> a));
        List<String> auths = m.kind("TriggerAuthentication").stream().map(Manifest::name).toList();
        for (Manifest so : m.kind("ScaledObject")) {
            String where = "ScaledObject " + so.name() + " (" + so.source() + ")";
            JsonNode spec = so.tree().path("spec");
            Workload target = deployments.get(spec.path("scaleTargetRef").path("name").asText());
            if (target == null || !spec.path("scaleTargetRef").path("kind").asText("Deployment").equals("Deployment")) {
                problems.add(where + ": spec.scaleTargetRef " + spec.path("scaleTargetRef") + " names no Deployment of the manifests");
                continue;
            }
            Map<String, String> env = environment(m, target.container(), new ArrayList<>(), target.where());
            Collection<String> keys = GpuWorkersConfig.knownKeys();
            Properties none = new Properties();
            ServiceSettings settings = ServiceSettings.of(none, env, keys);
            String stages = settings.text("stages", "");
            Stage stage = JOB_TOPICS.keySet().stream().filter(s -> s.name().equalsIgnoreCase(stages)).findFirst().orElse(null);
            if (stage == null) {
                problems.add(where + ": target Deployment " + target.name() + " must serve exactly one stage (DDT_STAGES), has '" + stages + "'");
                continue;
            }
            String topic = JOB_TOPICS.get(stage).name();
            String group = settings.text(stage.name().toLowerCase(Locale.ROOT) + ".group", PoolSettings.defaultGroup(stage));
            List<JsonNode> kafka = new ArrayList<>();
            spec.path("triggers").forEach(t -> {
                if (t.path("type").asText().equals("kafka")) {
                    kafka.add(t);
                }
            });
            if (kafka.size() != 1) {
                problems.add(where + ": spec.triggers has " + kafka.size() + " kafka triggers, expected one");
                continue;
            }
            JsonNode trigger = kafka.get(0);
            if (!topic.equals(trigger.path("metadata").path("topic").asText())) {
                problems.add(where + ": triggers[kafka].metadata.topic " + trigger.path("metadata").path("topic").asText()
                        + ", but " + target.name() + " serves " + stage + " whose job topic is " + topic);
            }
            if (!group.equals(trigger.path("metadata").path("consumerGroup").asText())) {
                problems.add(where + ": triggers[kafka].metadata.consumerGroup " + trigger.path("metadata").path("consumerGroup").asText()
                        + ", but the " + stage + " pool's group is " + group);
            }
            String auth = trigger.path("authenticationRef").path("name").asText();
            if (!auths.contains(auth)) {
                problems.add(where + ": triggers[kafka].authenticationRef.name " + auth + " names no TriggerAuthentication");
            }
            int max = spec.path("maxReplicaCount").asInt(100);
            Integer count = partitions.get(topic);
            if (count == null || max > count) {
                problems.add(where + ": spec.maxReplicaCount " + max + " exceeds the partitions of " + topic + " (" + count
                        + "): members beyond them sit idle");
            }
        }
        if (m.kind("ScaledObject").size() != JOB_TOPICS.size()) {
            problems.add("ScaledObjects: " + m.kind("ScaledObject").size() + ", expected one per GPU stage " + JOB_TOPICS.keySet());
        }
        return problems;
    }

    // ---------------------------------------------------------------- Flink

    static List<String> flinkProblems(Manifests m) {
        List<String> problems = new ArrayList<>();
        List<Manifest> flink = m.kind("FlinkDeployment");
        if (flink.size() != 1) {
            return List.of("FlinkDeployment: " + flink.size() + " documents, expected the evaluator's one");
        }
        Manifest d = flink.get(0);
        String where = "FlinkDeployment " + d.name() + " (" + d.source() + ")";
        JsonNode spec = d.tree().path("spec");
        String[] version = EnvironmentInformation.getVersion().split("\\.");
        String expectedVersion = "v" + version[0] + "_" + version[1];
        expect(problems, where, "apiVersion", "flink.apache.org/v1beta1", d.apiVersion());
        expect(problems, where, "spec.flinkVersion", expectedVersion + " (the evaluator's Flink " + EnvironmentInformation.getVersion() + ")",
                spec.path("flinkVersion").asText() + " (the evaluator's Flink " + EnvironmentInformation.getVersion() + ")");
        String image = spec.path("image").asText();
        if (!image.startsWith("flink:" + version[0] + "." + version[1] + ".")) {
            problems.add(where + ": spec.image " + image + " is not Flink " + version[0] + "." + version[1]);
        }
        String jar = spec.path("job").path("jarURI").asText();
        if (!jar.startsWith("local:///") || !jar.endsWith(".jar")) {
            problems.add(where + ": spec.job.jarURI " + jar + " is not a local jar");
        }
        expect(problems, where, "spec.job.entryClass", EvaluatorMain.class.getName(), spec.path("job").path("entryClass").asText());
        String upgrade = spec.path("job").path("upgradeMode").asText();
        if (!List.of("last-state", "savepoint").contains(upgrade)) {
            problems.add(where + ": spec.job.upgradeMode " + upgrade + " drops the sinks' state: last-state or savepoint");
        }
        JsonNode conf = spec.path("flinkConfiguration");
        expect(problems, where, "spec.flinkConfiguration[execution.checkpointing.mode]", "EXACTLY_ONCE",
                conf.path("execution.checkpointing.mode").asText());
        String dir = conf.path("execution.checkpointing.dir").asText();
        if (!dir.startsWith("file://")) {
            problems.add(where + ": spec.flinkConfiguration[execution.checkpointing.dir] " + dir + " is not a file:// directory");
            return problems;
        }
        String path = dir.substring("file://".length());
        Pod pod = Manifests.convert(where + " spec.podTemplate", spec.path("podTemplate"), Pod.class);
        Container main = pod.getSpec().getContainers().stream().filter(c -> c.getName().equals("flink-main-container")).findFirst().orElse(null);
        if (main == null) {
            problems.add(where + ": spec.podTemplate has no flink-main-container");
            return problems;
        }
        Map<String, Volume> volumes = pod.getSpec().getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        VolumeMount mount = main.getVolumeMounts().stream().filter(v -> path.startsWith(v.getMountPath() + "/")).findFirst().orElse(null);
        Volume volume = mount == null ? null : volumes.get(mount.getName());
        if (volume == null || volume.getPersistentVolumeClaim() == null) {
            problems.add(where + ": checkpoint directory " + path + " is on no persistentVolumeClaim volume of flink-main-container");
            return problems;
        }
        String claim = volume.getPersistentVolumeClaim().getClaimName();
        PersistentVolumeClaim pvc = m.of(PersistentVolumeClaim.class).stream().filter(c -> c.getMetadata().getName().equals(claim))
                .findFirst().orElse(null);
        if (pvc == null || !pvc.getSpec().getAccessModes().contains("ReadWriteMany")) {
            problems.add(where + ": checkpoint claim " + claim + " is no ReadWriteMany PersistentVolumeClaim of the manifests (JobManager and "
                    + "TaskManagers share it)");
        }
        return problems;
    }

    // ---------------------------------------------------------------- helpers

    private static void expect(List<String> problems, String where, String field, String expected, String actual) {
        if (!expected.equals(actual)) {
            problems.add(where + ": " + field + " is " + actual + ", expected " + expected);
        }
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static void assertNoProblems(List<String> problems) {
        assertEquals(List.of(), problems, () -> problems.size() + " problem(s):\n" + String.join("\n", problems));
    }

    private static void assertReports(List<String> problems, String fragment) {
        assertTrue(problems.stream().anyMatch(p -> p.contains(fragment)),
                () -> "expected a problem mentioning '" + fragment + "', got " + problems);
    }
}
