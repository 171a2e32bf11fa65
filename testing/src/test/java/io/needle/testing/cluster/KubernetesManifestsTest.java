package io.needle.testing.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * deploy/k8s validated offline against the Kubernetes object model (fabric8's generated classes):
 * every YAML document parses as its kind with no unknown field anywhere (a misspelt field would
 * otherwise be silently ignored by the API server's lenient decoding or land in fabric8's
 * additionalProperties), and the policy points of issue 5 hold: non-root, read-only root file
 * system, probes on the health endpoint, resources, a PDB, the headless service behind the
 * StatefulSet, the pod name as the worker's identity, drain shorter than the grace period.
 */
class KubernetesManifestsTest {
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
      Map.entry("Namespace", Namespace.class),
      Map.entry("ServiceAccount", ServiceAccount.class),
      Map.entry("ConfigMap", ConfigMap.class),
      Map.entry("Secret", Secret.class),
      Map.entry("StorageClass", StorageClass.class),
      Map.entry("PersistentVolume", PersistentVolume.class),
      Map.entry("PersistentVolumeClaim", PersistentVolumeClaim.class),
      Map.entry("Service", Service.class),
      Map.entry("PodDisruptionBudget", PodDisruptionBudget.class),
      Map.entry("StatefulSet", StatefulSet.class),
      Map.entry("NetworkPolicy", NetworkPolicy.class));

  private static final YAMLMapper YAML = YAMLMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  static List<HasMetadata> applied = new ArrayList<>();   // deploy/k8s/*.yaml
  static List<HasMetadata> examples = new ArrayList<>();  // deploy/k8s/examples/*.yaml

  @BeforeAll
  static void parseAll() throws IOException {
    Path k8s = repoRoot().resolve("deploy/k8s");
    for (Path file : yamlFiles(k8s)) {
      applied.addAll(parse(Files.readString(file), file.toString()));
    }
    for (Path file : yamlFiles(k8s.resolve("examples"))) {
      examples.addAll(parse(Files.readString(file), file.toString()));
    }
  }

  @Test
  void everyDocumentIsAKnownKindWithNoUnknownFields() {
    assertThat(applied).extracting(HasMetadata::getKind).contains("StatefulSet", "Service", "ConfigMap",
        "PodDisruptionBudget", "StorageClass", "ServiceAccount", "Namespace");
    assertThat(examples).extracting(HasMetadata::getKind).contains("Secret", "PersistentVolume");
    for (HasMetadata r : applied) {
      if (!(r instanceof Namespace) && !(r instanceof StorageClass) && !(r instanceof PersistentVolume)) {
        assertThat(r.getMetadata().getNamespace()).as("namespace of %s", r.getMetadata().getName()).isEqualTo("needle");
      }
    }
  }

  @Test
  void theValidatorRejectsAMisspeltField() {
    String typo = """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: x}
        spec:
          serviceName: x
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers:
                - name: c
                  image: i
                  securityContext: {readOnlyRootFileSystem: true}
        """;
    assertThatThrownBy(() -> parse(typo, "typo")).hasMessageContaining("readOnlyRootFileSystem");
    assertThatThrownBy(() -> parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", "pod"))
        .hasMessageContaining("Pod");
  }

  @Test
  void workersRunNonRootOnAReadOnlyRootWithResourcesAndProbes() {
    StatefulSet sts = one(StatefulSet.class);
    PodSpec pod = sts.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(pod.getContainers()).isNotEmpty();
    for (Container c : pod.getContainers()) {
      assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as("read-only root of %s", c.getName()).isTrue();
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(c.getSecurityContext().getCapabilities().getDrop()).contains("ALL");
      assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
      assertThat(c.getResources().getLimits()).containsKey("memory");
      for (Probe p : List.of(c.getReadinessProbe(), c.getLivenessProbe())) {
        assertThat(p).as("probe of %s", c.getName()).isNotNull();
        assertThat(p.getHttpGet()).isNotNull();
        assertThat(c.getPorts()).extracting(ContainerPort::getName).contains(p.getHttpGet().getPort().getStrVal());
      }
      assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
      assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/livez");
      assertThat(c.getArgs()).contains("serve", "--health-port=8080", "--port=7070", "--bind=0.0.0.0",
          "--cache-dir=/var/cache/needle");
      // Every mount has a volume: the pod's own or a claim template.
      List<String> volumes = new ArrayList<>(pod.getVolumes().stream().map(Volume::getName).toList());
      sts.getSpec().getVolumeClaimTemplates().forEach(t -> volumes.add(t.getMetadata().getName()));
      assertThat(volumes).containsAll(c.getVolumeMounts().stream().map(VolumeMount::getName).toList());
      assertThat(c.getVolumeMounts()).extracting(VolumeMount::getMountPath).contains("/tmp", "/var/cache/needle");
    }
  }

  @Test
  void theWorkersNameIsItsPodNameAndDrainFitsTheGracePeriod() {
    StatefulSet sts = one(StatefulSet.class);
    Container worker = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
    EnvVar name = worker.getEnv().stream().filter(e -> e.getName().equals("NEEDLE_WORKER_NAME")).findFirst().orElseThrow();
    assertThat(name.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    ConfigMap config = one(ConfigMap.class);
    assertThat(worker.getEnvFrom()).anyMatch(e -> e.getConfigMapRef() != null
        && e.getConfigMapRef().getName().equals(config.getMetadata().getName()));
    assertThat(worker.getEnvFrom()).anyMatch(e -> e.getSecretRef() != null
        && e.getSecretRef().getName().equals("needle-s3") && Boolean.TRUE.equals(e.getSecretRef().getOptional()));
    String drain = config.getData().get("NEEDLE_DRAIN_GRACE");
    assertThat(drain).matches("\\d+s");
    long drainSeconds = Long.parseLong(drain.substring(0, drain.length() - 1));
    assertThat(sts.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isGreaterThan(drainSeconds);
  }

  @Test
  void membershipServiceDisruptionBudgetAndStorageFitTogether() {
    StatefulSet sts = one(StatefulSet.class);
    Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
    assertThat(podLabels).containsAllEntriesOf(sts.getSpec().getSelector().getMatchLabels());

    Service headless = applied.stream().filter(r -> r instanceof Service s && "None".equals(s.getSpec().getClusterIP()))
        .map(Service.class::cast).findFirst().orElseThrow();
    assertThat(sts.getSpec().getServiceName()).isEqualTo(headless.getMetadata().getName());
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isFalse();
    List<Service> services = applied.stream().filter(Service.class::isInstance).map(Service.class::cast).toList();
    assertThat(services).hasSizeGreaterThanOrEqualTo(2);
    for (Service s : services) {
      assertThat(podLabels).containsAllEntriesOf(s.getSpec().getSelector());
      assertThat(s.getSpec().getPorts()).allSatisfy(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("needle"));
    }

    PodDisruptionBudget pdb = one(PodDisruptionBudget.class);
    assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);

    StorageClass local = one(StorageClass.class);
    assertThat(local.getVolumeBindingMode()).isEqualTo("WaitForFirstConsumer");
    assertThat(sts.getSpec().getVolumeClaimTemplates()).anySatisfy(t ->
        assertThat(t.getSpec().getStorageClassName()).isEqualTo(local.getMetadata().getName()));
    PersistentVolume example = examples.stream().filter(PersistentVolume.class::isInstance)
        .map(PersistentVolume.class::cast).findFirst().orElseThrow();
    assertThat(example.getSpec().getStorageClassName()).isEqualTo(local.getMetadata().getName());
    assertThat(example.getSpec().getNodeAffinity().getRequired()).isNotNull();
    ServiceAccount account = one(ServiceAccount.class);
    assertThat(sts.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(account.getMetadata().getName());
  }

  @Test
  void theSecureExampleMountsItsSecretsLoadsItsPolicyAndLetsOnlyClientsReachThePort(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    Map<String, Secret> secrets = new java.util.HashMap<>();
    examples.stream().filter(Secret.class::isInstance).map(Secret.class::cast)
        .forEach(s -> secrets.put(s.getMetadata().getName(), s));
    assertThat(secrets.get("needle-tls").getStringData()).containsKeys("tls.crt", "tls.key", "ca.crt");
    assertThat(secrets.get("needle-tls").getStringData().get("tls.key")).contains("BEGIN PRIVATE KEY"); // PKCS#8
    // The example policy is one the worker accepts.
    Path policy = Files.writeString(tmp.resolve("policy.yaml"), secrets.get("needle-auth").getStringData().get("policy.yaml"));
    io.needle.worker.AuthConfig auth = io.needle.worker.AuthConfig.load(policy);
    assertThat(auth.policy().grants()).isNotEmpty();

    StatefulSet patch = examples.stream().filter(StatefulSet.class::isInstance).map(StatefulSet.class::cast)
        .findFirst().orElseThrow();
    StatefulSet base = one(StatefulSet.class);
    assertThat(patch.getMetadata().getName()).isEqualTo(base.getMetadata().getName());
    Container worker = patch.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(worker.getName()).isEqualTo(base.getSpec().getTemplate().getSpec().getContainers().get(0).getName());
    assertThat(worker.getArgs()).containsAll(base.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
    Map<String, String> secretOfVolume = new java.util.HashMap<>();
    patch.getSpec().getTemplate().getSpec().getVolumes().forEach(v -> secretOfVolume.put(v.getName(), v.getSecret().getSecretName()));
    Map<String, String> flags = new java.util.HashMap<>();
    for (String arg : worker.getArgs()) {
      if (arg.startsWith("--tls-") || arg.startsWith("--auth-")) {
        flags.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
      }
    }
    assertThat(flags).containsOnlyKeys("--tls-cert", "--tls-key", "--tls-client-ca", "--auth-policy");
    for (Map.Entry<String, String> flag : flags.entrySet()) { // each file is a key of the secret mounted there
      VolumeMount mount = worker.getVolumeMounts().stream().filter(m -> flag.getValue().startsWith(m.getMountPath() + "/"))
          .findFirst().orElseThrow(() -> new AssertionError(flag + " is not under a mount"));
      assertThat(mount.getSubPath()).as("subPath mounts never see a renewal").isNull();
      Secret secret = secrets.get(secretOfVolume.get(mount.getName()));
      assertThat(secret.getStringData()).containsKey(flag.getValue().substring(mount.getMountPath().length() + 1));
    }

    NetworkPolicy network = examples.stream().filter(NetworkPolicy.class::isInstance).map(NetworkPolicy.class::cast)
        .findFirst().orElseThrow();
    assertThat(base.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(network.getSpec().getPodSelector().getMatchLabels());
    assertThat(network.getSpec().getPolicyTypes()).contains("Ingress");
    NetworkPolicyIngressRule lookups = network.getSpec().getIngress().stream()
        .filter(r -> r.getPorts().stream().anyMatch(p -> "needle".equals(p.getPort().getStrVal()))).findFirst().orElseThrow();
    assertThat(lookups.getFrom()).isNotEmpty().allSatisfy(peer ->
        assertThat(peer.getPodSelector().getMatchLabels()).as("only labelled clients").isNotEmpty());
  }

  // ------------------------------------------------------------------------------------------

  private static <T extends HasMetadata> T one(Class<T> kind) {
    List<T> found = applied.stream().filter(kind::isInstance).map(kind::cast).toList();
    assertThat(found).as("%s documents", kind.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  static List<HasMetadata> parse(String yaml, String where) {
    List<HasMetadata> out = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc == null || doc.isNull() || doc.isMissingNode()) {
          continue;
        }
        String kind = doc.path("kind").asString();
        Class<? extends HasMetadata> type = KINDS.get(kind);
        if (type == null) {
          throw new IllegalArgumentException(where + ": kind " + kind + " is not one deploy/k8s should hold");
        }
        HasMetadata resource = YAML.treeToValue(doc, type);
        rejectAdditionalProperties(resource, where + " " + kind, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
        out.add(resource);
      }
    }
    return out;
  }

  /**
   * fabric8's classes catch unknown fields in an any-setter map instead of failing: walk the
   * object graph and fail on the first non-empty one, naming the fields.
   */
  private static void rejectAdditionalProperties(Object node, String path, Set<Object> seen) {
    if (node == null || !node.getClass().getName().startsWith("io.fabric8.") || !seen.add(node)) {
      if (node instanceof Collection<?> c) {
        c.forEach(e -> rejectAdditionalProperties(e, path, seen));
      } else if (node instanceof Map<?, ?> m) {
        m.values().forEach(v -> rejectAdditionalProperties(v, path, seen));
      }
      return;
    }
    for (Method m : node.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
          || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = m.invoke(node);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + m, e);
      }
      if (m.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          throw new IllegalArgumentException(path + " > " + node.getClass().getSimpleName()
              + ": unknown fields " + extra.keySet());
        }
        continue;
      }
      rejectAdditionalProperties(value, path + " > " + m.getName().substring(3), seen);
    }
  }

  private static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
    }
  }

  private static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("deploy/k8s"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("deploy/k8s not found above " + Path.of("").toAbsolutePath());
    }
    return p;
  }
}
