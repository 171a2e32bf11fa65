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
 * each kustomize overlay is rendered ({@link Kustomize}, compared with a real kustomize where one
 * is installed) and every YAML document parses as its kind with no unknown field anywhere (a
 * misspelt field would otherwise be silently ignored by the API server's lenient decoding or land
 * in fabric8's additionalProperties), and the policy points hold in every overlay: non-root,
 * read-only root file system, probes on the health endpoint, resources derived from the JVM's
 * sizes, Prometheus annotations, a PDB, the headless service behind the StatefulSet, the pod name
 * as the worker's identity, drain shorter than the grace period.
 */
class KubernetesManifestsTest {
  static final List<String> OVERLAYS = List.of("s3-only", "nfs-tables", "local-nvme-cache");

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

  static Map<String, List<JsonNode>> rendered = new java.util.LinkedHashMap<>(); // overlay -> documents
  static Map<String, List<HasMetadata>> overlays = new java.util.LinkedHashMap<>();
  static List<HasMetadata> examples = new ArrayList<>();  // deploy/k8s/examples/*.yaml
  static List<HasMetadata> applied; // the overlay a test is looking at

  @BeforeAll
  static void parseAll() throws IOException {
    Path k8s = repoRoot().resolve("deploy/k8s");
    for (String overlay : OVERLAYS) {
      List<JsonNode> docs = Kustomize.build(k8s.resolve("overlays").resolve(overlay));
      rendered.put(overlay, docs);
      overlays.put(overlay, parse(docs, "overlays/" + overlay));
    }
    for (Path file : yamlFiles(k8s.resolve("examples"))) {
      examples.addAll(parse(Files.readString(file), file.toString()));
    }
  }

  /** Runs {@code check} on every overlay's rendering, as {@link #applied}. */
  private static void forEachOverlay(java.util.function.Consumer<String> check) {
    for (String overlay : OVERLAYS) {
      applied = overlays.get(overlay);
      try {
        check.accept(overlay);
      } catch (AssertionError e) {
        throw new AssertionError("overlays/" + overlay + ": " + e.getMessage(), e);
      }
    }
  }

  @Test
  void everyDocumentIsAKnownKindWithNoUnknownFields() {
    forEachOverlay(overlay -> {
      assertThat(applied).extracting(HasMetadata::getKind).contains("StatefulSet", "Service", "ConfigMap",
          "PodDisruptionBudget", "ServiceAccount", "Namespace");
      for (HasMetadata r : applied) {
        if (!(r instanceof Namespace) && !(r instanceof StorageClass) && !(r instanceof PersistentVolume)) {
          assertThat(r.getMetadata().getNamespace()).as("namespace of %s", r.getMetadata().getName()).isEqualTo("needle");
        }
      }
    });
    assertThat(overlays.get("local-nvme-cache")).extracting(HasMetadata::getKind).contains("StorageClass");
    assertThat(examples).extracting(HasMetadata::getKind).contains("Secret", "PersistentVolume");
  }

  @Test
  void theJavaRenderingIsWhatKustomizeRenders() throws Exception {
    List<String> kustomize = kustomizeCommand();
    org.junit.jupiter.api.Assumptions.assumeTrue(kustomize != null,
        "no kustomize or kubectl on the PATH: the Java rendering is checked by the other tests only");
    Path k8s = repoRoot().resolve("deploy/k8s/overlays");
    for (String overlay : OVERLAYS) {
      List<String> command = new ArrayList<>(kustomize);
      command.add(k8s.resolve(overlay).toString());
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(out).isZero();
      Path file = Files.createTempFile("kustomize-", ".yaml");
      try {
        Files.writeString(file, out);
        assertThat(sorted(Kustomize.documents(file))).as(overlay).isEqualTo(sorted(rendered.get(overlay)));
      } finally {
        Files.delete(file);
      }
    }
  }

  @Test
  void eachOverlayNamesItsTablesAndMountsOnlyWhatItNeeds() {
    forEachOverlay(overlay -> {
      String root = one(ConfigMap.class).getData().get("NEEDLE_ROOT");
      Container worker = one(StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(0);
      List<Volume> volumes = one(StatefulSet.class).getSpec().getTemplate().getSpec().getVolumes();
      if (overlay.equals("nfs-tables")) {
        assertThat(root).isEqualTo("/data/tables");
        assertThat(worker.getVolumeMounts()).anySatisfy(m -> {
          assertThat(m.getMountPath()).isEqualTo(root);
          assertThat(m.getReadOnly()).isTrue();
        });
        assertThat(volumes).filteredOn(v -> v.getNfs() != null).singleElement()
            .satisfies(v -> assertThat(v.getNfs().getReadOnly()).isTrue());
      } else {
        assertThat(root).startsWith("s3://");
        assertThat(worker.getVolumeMounts()).extracting(VolumeMount::getName).doesNotContain("tables");
        assertThat(volumes).extracting(Volume::getName).doesNotContain("tables");
      }
      // No claim on shared storage that would stay Pending on most clusters.
      assertThat(applied).noneMatch(PersistentVolumeClaim.class::isInstance);
      assertThat(worker.getImage()).doesNotContain("example");
    });
  }

  @Test
  void prometheusScrapesTheHealthPortsMetrics() {
    forEachOverlay(overlay -> {
      var template = one(StatefulSet.class).getSpec().getTemplate();
      Map<String, String> annotations = template.getMetadata().getAnnotations();
      assertThat(annotations).containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/path", "/metrics");
      Container worker = template.getSpec().getContainers().get(0);
      ContainerPort health = worker.getPorts().stream().filter(p -> p.getName().equals("health")).findFirst().orElseThrow();
      assertThat(annotations.get("prometheus.io/port")).isEqualTo(String.valueOf(health.getContainerPort()));
      assertThat(worker.getArgs()).contains("--health-port=" + health.getContainerPort());
    });
  }

  /**
   * The memory limit covers what the JVM may use (heap + direct memory), the page store's native
   * index for the configured cache size, and fixed allowances for JVM native memory and dirty
   * page cache, as the ConfigMap documents; request equals limit.
   */
  @Test
  void theMemoryLimitIsDerivedFromHeapDirectMemoryAndThePageStore() {
    forEachOverlay(overlay -> {
      ConfigMap config = one(ConfigMap.class);
      String opts = config.getData().get("NEEDLE_JAVA_OPTS");
      assertThat(opts).doesNotContain("MaxRAMPercentage");
      long heap = bytes(flag(opts, "-Xmx"));
      long direct = bytes(flag(opts, "-XX:MaxDirectMemorySize="));
      long cache = bytes(config.getData().get("NEEDLE_CACHE_SIZE"));
      // PageIndex: 32-byte slots, one per expected 8 KiB page at a target load of 0.6.
      long index = (long) Math.ceil(cache / 8192.0 / 0.6) * 32;
      long overhead = 512L << 20;
      long dirty = 512L << 20;
      Container worker = one(StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(0);
      long limit = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
          worker.getResources().getLimits().get("memory")).longValueExact();
      assertThat(limit).as("limit >= heap %d + direct %d + index %d + overhead + dirty", heap, direct, index)
          .isGreaterThanOrEqualTo(heap + direct + index + overhead + dirty);
      assertThat(worker.getResources().getRequests().get("memory")).isEqualTo(worker.getResources().getLimits().get("memory"));
      assertThat(worker.getArgs()).contains("--metadata-cache-size=$(NEEDLE_METADATA_CACHE_SIZE)",
          "--max-open-files=$(NEEDLE_MAX_OPEN_FILES)");
      assertThat(bytes(config.getData().get("NEEDLE_METADATA_CACHE_SIZE"))).isLessThan(heap / 2);
    });
  }

  private static String flag(String opts, String prefix) {
    return java.util.Arrays.stream(opts.split("\\s+")).filter(o -> o.startsWith(prefix)).findFirst()
        .map(o -> o.substring(prefix.length())).orElseThrow(() -> new AssertionError(prefix + " missing in " + opts));
  }

  /** 512m, 2g, 90g (powers of 1024), as the JVM and needle serve read them. */
  private static long bytes(String size) {
    String s = size.trim().toLowerCase(java.util.Locale.ROOT);
    int shift = switch (s.charAt(s.length() - 1)) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      case 't' -> 40;
      default -> 0;
    };
    return Long.parseLong(shift == 0 ? s : s.substring(0, s.length() - 1)) << shift;
  }

  /** By kind and name; JsonNode equality ignores the order of an object's fields (kustomize sorts them). */
  private static List<JsonNode> sorted(List<JsonNode> docs) {
    return docs.stream().sorted(java.util.Comparator.comparing(
        (JsonNode d) -> d.path("kind").asString() + "/" + d.path("metadata").path("name").asString())).toList();
  }

  /** {@code kustomize build} or {@code kubectl kustomize}, whichever is on the PATH, or null. */
  private static List<String> kustomizeCommand() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "kustomize"))) {
        return List.of(Path.of(dir, "kustomize").toString(), "build");
      }
      if (Files.isExecutable(Path.of(dir, "kubectl"))) {
        return List.of(Path.of(dir, "kubectl").toString(), "kustomize");
      }
    }
    return null;
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
    forEachOverlay(this::workersRunNonRootOnAReadOnlyRootWithResourcesAndProbes);
  }

  private void workersRunNonRootOnAReadOnlyRootWithResourcesAndProbes(String overlay) {
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
    forEachOverlay(this::theWorkersNameIsItsPodNameAndDrainFitsTheGracePeriod);
  }

  private void theWorkersNameIsItsPodNameAndDrainFitsTheGracePeriod(String overlay) {
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
    String delay = config.getData().get("NEEDLE_DRAIN_DELAY");
    assertThat(delay).as("serving goes on while endpoints catch up (T24)").matches("[1-9]\\d*s");
    long delaySeconds = Long.parseLong(delay.substring(0, delay.length() - 1));
    assertThat(worker.getArgs()).contains("--drain-delay=$(NEEDLE_DRAIN_DELAY)", "--drain-grace=$(NEEDLE_DRAIN_GRACE)");
    assertThat(sts.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
        .isGreaterThan(delaySeconds + drainSeconds);
  }

  /** RELIABILITY.md T24's pod policy: the restricted profile's rules and ours, on every overlay. */
  @Test
  void podsFollowTheRestrictedProfileAndSpreadOverNodes() {
    forEachOverlay(this::podsFollowTheRestrictedProfileAndSpreadOverNodes);
  }

  private void podsFollowTheRestrictedProfileAndSpreadOverNodes(String overlay) {
    StatefulSet sts = one(StatefulSet.class);
    PodSpec pod = sts.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getHostNetwork()).as("host network").isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).as("host PID").isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostIPC()).as("host IPC").isNotEqualTo(Boolean.TRUE);
    // Local disks come as PersistentVolumes through claims, never as hostPath.
    assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getHostPath()).as("hostPath volume %s", v.getName()).isNull());
    for (Container c : pod.getContainers()) {
      assertThat(c.getSecurityContext().getPrivileged()).as("privileged %s", c.getName()).isNotEqualTo(Boolean.TRUE);
      assertThat(c.getSecurityContext().getCapabilities().getAdd()).as("added capabilities").isNullOrEmpty();
      assertThat(c.getPorts()).allSatisfy(p -> assertThat(p.getHostPort()).as("host port").isNull());
    }
    // One worker per node where the nodes allow it: a node's loss takes one cache, not several.
    assertThat(pod.getTopologySpreadConstraints()).anySatisfy(t -> {
      assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
      assertThat(t.getMaxSkew()).isEqualTo(1);
      assertThat(t.getLabelSelector().getMatchLabels()).isEqualTo(sts.getSpec().getSelector().getMatchLabels());
    });
    // Workload identity for S3: no token mounted by default, static keys only from an optional Secret.
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    for (Container c : pod.getContainers()) {
      assertThat(c.getEnv()).noneMatch(e -> e.getName().startsWith("AWS_SECRET") && e.getValue() != null);
    }
  }

  @Test
  void membershipServiceDisruptionBudgetAndStorageFitTogether() {
    forEachOverlay(this::membershipServiceDisruptionBudgetAndStorageFitTogether);
  }

  private void membershipServiceDisruptionBudgetAndStorageFitTogether(String overlay) {
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

    if (overlay.equals("local-nvme-cache")) {
      StorageClass local = one(StorageClass.class);
      assertThat(local.getVolumeBindingMode()).isEqualTo("WaitForFirstConsumer");
      assertThat(sts.getSpec().getVolumeClaimTemplates()).anySatisfy(t ->
          assertThat(t.getSpec().getStorageClassName()).isEqualTo(local.getMetadata().getName()));
      PersistentVolume example = examples.stream().filter(PersistentVolume.class::isInstance)
          .map(PersistentVolume.class::cast).findFirst().orElseThrow();
      assertThat(example.getSpec().getStorageClassName()).isEqualTo(local.getMetadata().getName());
      assertThat(example.getSpec().getNodeAffinity().getRequired()).isNotNull();
    } else {
      assertThat(sts.getSpec().getVolumeClaimTemplates()).allSatisfy(t ->
          assertThat(t.getSpec().getStorageClassName()).as("the cluster's default class").isNull());
    }
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
    List<JsonNode> nodes = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          nodes.add(doc);
        }
      }
    }
    return parse(nodes, where);
  }

  static List<HasMetadata> parse(List<JsonNode> nodes, String where) {
    List<HasMetadata> out = new ArrayList<>();
    for (JsonNode doc : nodes) {
      String kind = doc.path("kind").asString();
      Class<? extends HasMetadata> type = KINDS.get(kind);
      if (type == null) {
        throw new IllegalArgumentException(where + ": kind " + kind + " is not one deploy/k8s should hold");
      }
      HasMetadata resource = YAML.treeToValue(doc, type);
      rejectAdditionalProperties(resource, where + " " + kind, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
      out.add(resource);
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
