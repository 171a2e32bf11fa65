package io.needle.testing.cluster;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a kustomization the way {@code kustomize build} does, for the subset deploy/k8s uses:
 * {@code resources} (YAML files and directories holding a kustomization) and {@code patches}
 * that are JSON 6902 operation lists ({@code add}, {@code replace}, {@code remove}) aimed at a
 * kind and name. Anything else in a kustomization fails, so the manifests cannot drift into
 * features this renderer would silently skip. Where a kustomize binary exists, the test compares
 * this rendering with its output; the build itself needs none.
 */
final class Kustomize {
  private static final YAMLMapper YAML = YAMLMapper.builder().build();
  private static final java.util.Set<String> KNOWN = java.util.Set.of("apiVersion", "kind", "resources", "patches");

  private Kustomize() {}

  /** The resources of the kustomization in {@code dir}, patched, in kustomize's order (resources in listed order). */
  static List<JsonNode> build(Path dir) throws IOException {
    JsonNode k = YAML.readTree(Files.readString(dir.resolve("kustomization.yaml")));
    k.propertyNames().forEach(name -> {
      if (!KNOWN.contains(name)) {
        throw new IllegalArgumentException(dir + "/kustomization.yaml: field " + name + " is not rendered by this test");
      }
    });
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode r : k.path("resources")) {
      Path p = dir.resolve(r.asString()).normalize();
      if (Files.isDirectory(p)) {
        out.addAll(build(p));
      } else {
        out.addAll(documents(p));
      }
    }
    for (JsonNode patch : k.path("patches")) {
      String kind = patch.path("target").path("kind").asString();
      String name = patch.path("target").path("name").asString();
      JsonNode ops = YAML.readTree(Files.readString(dir.resolve(patch.path("path").asString())));
      List<JsonNode> targets = out.stream().filter(d -> d.path("kind").asString().equals(kind)
          && d.path("metadata").path("name").asString().equals(name)).toList();
      if (targets.size() != 1) {
        throw new IllegalArgumentException(dir + ": patch target " + kind + "/" + name + " matches " + targets.size());
      }
      for (JsonNode op : ops) {
        apply(targets.get(0), op);
      }
    }
    return out;
  }

  static List<JsonNode> documents(Path file) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(Files.readString(file))) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          out.add(doc);
        }
      }
    }
    return out;
  }

  static String yaml(List<JsonNode> docs) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode d : docs) {
      sb.append(YAML.writeValueAsString(d));
    }
    return sb.toString();
  }

  /** One RFC 6902 operation (add, replace, remove) on {@code doc}. */
  private static void apply(JsonNode doc, JsonNode op) {
    String path = op.path("path").asString();
    String kind = op.path("op").asString();
    int slash = path.lastIndexOf('/');
    JsonNode parent = doc.at(path.substring(0, slash));
    String last = path.substring(slash + 1).replace("~1", "/").replace("~0", "~");
    if (parent.isMissingNode()) {
      throw new IllegalArgumentException("no " + path.substring(0, slash) + " for " + op);
    }
    switch (kind) {
      case "add", "replace" -> {
        JsonNode value = op.get("value");
        if (parent instanceof ArrayNode array) {
          if (last.equals("-")) {
            array.add(value);
          } else if (kind.equals("add")) {
            array.insert(Integer.parseInt(last), value);
          } else {
            array.set(Integer.parseInt(last), value);
          }
        } else if (parent instanceof ObjectNode object) {
          if (kind.equals("replace") && !object.has(last)) {
            throw new IllegalArgumentException("replace of a missing field: " + op);
          }
          object.set(last, value);
        } else {
          throw new IllegalArgumentException("not a container at " + path + ": " + op);
        }
      }
      case "remove" -> {
        if (parent instanceof ArrayNode array) {
          array.remove(Integer.parseInt(last));
        } else if (parent instanceof ObjectNode object && object.has(last)) {
          object.remove(last);
        } else {
          throw new IllegalArgumentException("nothing to remove at " + path);
        }
      }
      default -> throw new IllegalArgumentException("op " + kind + " is not rendered by this test: " + op);
    }
  }
}
